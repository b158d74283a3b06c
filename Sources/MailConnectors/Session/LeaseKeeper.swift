internal import AppVault
internal import Foundation

/// Keeps the lease a session holds alive for as long as the session lives: renews it when less
/// than half its time to live is left, and ends it when the session ends.
final class LeaseKeeper {
    /// The lease as last granted or renewed.
    private(set) var lease: Lease
    private let renew: (Lease) throws -> Lease
    private let end: (Lease) throws -> Void
    private let now: () -> Date
    private var renewedAt: Date

    /// - Parameters:
    ///   - renew: extends the lease (or, past its maximum lifetime, grants the session a new one).
    ///   - end: revokes it when the session logs out.
    init(lease: Lease, renew: @escaping (Lease) throws -> Lease, end: @escaping (Lease) throws -> Void,
         now: @escaping () -> Date = Date.init) {
        self.lease = lease
        self.renew = renew
        self.end = end
        self.now = now
        self.renewedAt = lease.grantedAt
    }

    /// Renews the lease when less than half of its last period is left. A lease that was
    /// revoked, went stale (rotation) or expired throws, which ends the session.
    func renewIfDue() throws {
        let current = now()
        let period = lease.expiresAt.timeIntervalSince(renewedAt)
        guard lease.expiresAt.timeIntervalSince(current) < period / 2 else { return }
        lease = try renew(lease)
        renewedAt = current
    }

    /// Ends the lease (the session is over).
    func finish() throws { try end(lease) }
}
