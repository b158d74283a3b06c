package import AppVault
package import VaultCrypto

/// Connectors in another process redeem their leases through the agent.
extension AgentClient: LeaseRedeemer {
    /// Asks the agent for the lease's secret, calls `body` with it, and zeroes it afterwards.
    ///
    /// The agent's refusals about the lease come back as the same ``VaultError`` the in-process
    /// vault throws (``VaultError/leaseUsedUp(_:)``, ``VaultError/locked``...), so a connector
    /// handles both redeemers alike; other failures are ``AgentError``s.
    package func redeem<Result>(
        _ lease: Lease, for protocol: MailProtocol, _ body: (borrowing SecureBytes) throws -> Result
    ) throws -> Result {
        let secret = try fetchSecretAsConnector(lease, for: `protocol`)
        return try body(secret)
    }

    private func fetchSecretAsConnector(_ lease: Lease, for proto: MailProtocol) throws -> SecureBytes {
        do {
            return try fetchSecret(lease, for: proto)
        } catch {
            if case .refused(let failure) = error, let vaultError = failure.vaultError(lease: lease, requested: proto) {
                throw vaultError
            }
            throw error
        }
    }
}

extension AgentFailure {
    /// The vault error this refusal stands for, when the lease alone says everything it carries.
    func vaultError(lease: Lease, requested: MailProtocol) -> VaultError? {
        switch code {
        case .locked: .locked
        case .leaseExpired: .leaseExpired(lease.id)
        case .leaseUsedUp: .leaseUsedUp(lease.id)
        case .leaseRevoked: .leaseRevoked(lease.id)
        case .leaseStale: .leaseStale(lease.id)
        case .noSuchLease: .noSuchLease(lease.id)
        case .accountRevoked: .accountRevoked(lease.account)
        case .leaseWrongProtocol: .leaseWrongProtocol(lease: lease.id, granted: lease.protocol, requested: requested)
        default: nil
        }
    }
}
