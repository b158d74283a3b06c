package import AppVault

extension IMAPClient {
    /// Makes this session hold `lease`: renewed through `renewer` (by `ttl`, or the lender's
    /// default) while the session lives, notably during IDLE, and ended with `end` at logout.
    /// A renewal that fails (revoked, rotated, expired) ends the session. For appvault's tools,
    /// which lease through the agent; ``MailSession`` does this itself.
    package func hold(_ lease: Lease, renewer: some LeaseRenewer, ttl: Duration? = nil,
                      end: @escaping (Lease) throws -> Void = { _ in }) {
        leaseKeeper = LeaseKeeper(lease: lease, renew: { try renewer.renew(lease: $0.id, ttl: ttl) }, end: end)
    }
}
