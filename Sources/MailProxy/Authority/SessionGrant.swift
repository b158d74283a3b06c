package import AppVault

/// A session the authority admitted: it holds a lease for its whole lifetime.
package struct SessionGrant: Sendable, Hashable {
    /// The lease handle shown by `appvault leases`; also names the session in logs.
    package var sessionID: String
    /// The account's name.
    package var account: String
    /// The session's protocol.
    package var `protocol`: MailProtocol
    /// The upstream server, from the vault only (never from the client).
    package var endpoint: ServerEndpoint
    /// The upstream user name (the mailbox address).
    package var username: String
    /// The token's client name, or `lease <handle>` for a lease password.
    package var client: String

    /// Creates a grant.
    package init(sessionID: String, account: String, protocol: MailProtocol, endpoint: ServerEndpoint,
                 username: String, client: String) {
        self.sessionID = sessionID
        self.account = account
        self.protocol = `protocol`
        self.endpoint = endpoint
        self.username = username
        self.client = client
    }
}
