package import AppVault

/// What a local client asked to log in as: the account name it gave as user name, the endpoint's
/// protocol, and who it is.
package struct LoginRequest: Sendable {
    /// The user name the client sent, which names the account. Client-controlled text: sanitise
    /// before logging.
    package var account: String
    /// The endpoint's protocol.
    package var `protocol`: MailProtocol
    /// The connection's peer, as the agent identified it.
    package var peer: ProxyPeer

    /// Creates a request.
    package init(account: String, protocol: MailProtocol, peer: ProxyPeer) {
        self.account = account
        self.protocol = `protocol`
        self.peer = peer
    }
}
