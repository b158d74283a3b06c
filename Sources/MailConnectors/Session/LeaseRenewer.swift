public import AppVault

/// Extends a lease: the in-process ``AppVault/Vault`` and the agent client both can.
package protocol LeaseRenewer: Sendable {
    /// Extends live lease `id` by `ttl` (the vault's default when nil).
    func renew(lease id: String, ttl: Duration?) throws -> Lease
}

extension Vault: LeaseRenewer {}
