package import AppVault
package import VaultCrypto

/// Connectors in another process redeem their leases through the agent.
extension AgentClient: LeaseRedeemer {
    /// Asks the agent for the lease's secret, calls `body` with it, and zeroes it afterwards.
    package func redeem<Result>(
        _ lease: Lease, for protocol: MailProtocol, _ body: (borrowing SecureBytes) throws -> Result
    ) throws -> Result {
        let secret = try fetchSecret(lease, for: `protocol`)
        return try body(secret)
    }
}
