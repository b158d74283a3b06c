package import AppVault
package import Logging

/// The agent's local IMAP and SMTP endpoints: the engine behind them.
///
/// The agent owns the listening sockets, accepts, identifies the peer and applies its policy,
/// then hands each accepted connection to ``serve(clientFD:protocol:peer:transport:)`` on a
/// thread of its own. The proxy answers the pre-login dialogue itself, checks the client's
/// credential with the ``SessionAuthority``, logs in upstream through the ``UpstreamConnector``
/// with the app password (read for the moment of AUTH, zeroed after), then relays bytes both
/// ways until the session ends. ``sessions`` lists live sessions and ends them on revoke.
package final class MailProxy: Sendable {
    /// The live sessions.
    package let sessions: SessionRegistry
    let authority: any SessionAuthority
    let upstream: any UpstreamConnector
    let configuration: ProxyConfiguration
    let logger: Logger
    let limiter: FailedLoginLimiter

    /// Stack size that threads calling ``serve(clientFD:protocol:peer:transport:)`` need (the
    /// deepest path is an upstream TLS handshake); the default 8 MiB is far more than needed.
    package static let threadStackBytes = 512 * 1024

    /// A proxy deciding logins with `authority` and logging in through `upstream`.
    package init(authority: any SessionAuthority, upstream: any UpstreamConnector, configuration: ProxyConfiguration,
                 logger: Logger) {
        self.authority = authority
        self.upstream = upstream
        self.configuration = configuration
        self.logger = logger
        sessions = SessionRegistry()
        limiter = FailedLoginLimiter(policy: configuration.rateLimit)
    }

    /// Serves one accepted connection on the calling thread until it ends; closes `clientFD`.
    ///
    /// - Parameters:
    ///   - clientFD: a connected stream socket (Unix or TCP); the proxy owns it from now on.
    ///   - protocol: which endpoint accepted it.
    ///   - peer: who the agent found on the other end; failed logins are counted per
    ///     ``ProxyPeer/rateLimitKey``.
    ///   - transport: plaintext, STARTTLS offered, or implicit TLS (the last two need
    ///     ``ProxyConfiguration/localTLS``).
    package func serve(clientFD: Int32, protocol: MailProtocol, peer: ProxyPeer, transport: LocalTransport) {
        ProxySession(proxy: self, descriptor: clientFD, protocol: `protocol`, peer: peer, transport: transport).run()
    }
}
