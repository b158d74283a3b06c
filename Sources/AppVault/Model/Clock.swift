public import Foundation

/// The source of the current time, injected so that lease expiry is tested without sleeping.
public protocol VaultClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: VaultClock {
    /// Creates the system clock.
    public init() {}
    public func now() -> Date { Date() }
}
