import Foundation
import Synchronization

/// Decides when a lease grant also deletes long-ended leases: at most once per ``interval`` of the
/// vault's clock. The delete scans the whole `leases` table, which holds every lease of the last
/// retention period (an hour by default), so running it on every grant made a grant's cost grow
/// with the number of recent leases.
final class LeasePruneSchedule: Sendable {
    /// The shortest time between two prunes.
    static let interval: Double = 60

    private let lastPrune = Mutex<Date?>(nil)

    /// Whether a prune is due at `now`; when it is, records `now` as the last prune.
    /// A clock that moved backwards makes a prune due, so a wrong clock cannot stop pruning.
    func claim(at now: Date) -> Bool {
        lastPrune.withLock { last in
            if let last, now >= last, now.timeIntervalSince(last) < Self.interval { return false }
            last = now
            return true
        }
    }
}
