package import VaultCrypto

/// Logs in upstream for a session (like secretless-broker's `Connect(client, credentials) ->
/// backend`) and returns the authenticated connection. ``MailUpstreamConnector`` is the real
/// one; tests inject hostile fakes.
package protocol UpstreamConnector: Sendable {
    /// Connects to `grant.endpoint` and logs in as `grant.username` with `secret`, which must
    /// not be kept beyond this call.
    func connect(_ grant: SessionGrant, secret: borrowing SecureBytes) throws(UpstreamFailure) -> any UpstreamLink
}
