internal import Foundation
internal import AppVault
internal import Synchronization

/// Tracks the time of the last request and says when the vault should be locked.
final class IdleLock: Sendable {
    private let timeout: Duration?
    private let clock: any VaultClock
    private let lastActivity: Mutex<Date>

    init(timeout: Duration?, clock: any VaultClock) {
        self.timeout = timeout
        self.clock = clock
        lastActivity = Mutex(clock.now())
    }

    /// The idle time in whole seconds, 0 when the lock is off.
    var timeoutSeconds: UInt32 {
        guard let timeout else { return 0 }
        return UInt32(clamping: timeout.components.seconds)
    }

    /// Records a request now.
    func touch() {
        let now = clock.now()
        lastActivity.withLock { $0 = now }
    }

    /// Whether the timeout has passed since the last request.
    var isDue: Bool {
        guard let timeout else { return false }
        let idle = clock.now().timeIntervalSince(lastActivity.withLock { $0 })
        return idle >= timeout.inSeconds
    }
}
