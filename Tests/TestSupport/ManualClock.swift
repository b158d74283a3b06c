public import AppVault
public import Foundation
import Synchronization

/// A clock the test moves by hand, so lease expiry and idle locks are tested without sleeping.
public final class ManualClock: VaultClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
