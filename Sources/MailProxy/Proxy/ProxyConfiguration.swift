package import MailConnectors

/// How the proxy talks to local clients: names, limits, time-outs and local TLS.
///
/// The upstream's connection options belong to the ``UpstreamConnector``
/// (``MailUpstreamConnector/init(options:logger:)``).
package struct ProxyConfiguration: Sendable {
    /// The host name in greetings (IMAP `* OK [...] <name> appvault ready`, SMTP `220 <name> ...`).
    package var greetingName: String
    /// Longest time from accept to a successful login (and the upstream login). A client that
    /// drips bytes or stalls is disconnected then.
    package var preLoginTimeout: Duration
    /// Longest pre-login command line, and longest pre-login IMAP literal. Longer ones are
    /// refused and the connection closed.
    package var maxPreLoginLineBytes: Int
    /// Failed logins on one connection before it is closed.
    package var maxFailedLogins: Int
    /// How long a wrong credential waits before its refusal (slows guessing on this connection only).
    package var failureDelay: Duration
    /// Back-off for peers that keep failing.
    package var rateLimit: RateLimitPolicy
    /// The certificate and key for ``LocalTransport/implicitTLS`` and
    /// ``LocalTransport/plainWithSTARTTLS``; nil when local TLS is not offered (such connections
    /// are then closed at once, and logged as a configuration error).
    package var localTLS: ServerTLSContext?
    /// How long a killed session may wait for the server's stream to reach a response boundary
    /// before it closes without a `* BYE`/`421`. The whole end takes less than a second.
    package var killGrace: Duration
    /// Traffic is reported to the authority after this many bytes...
    package var meterBytes: Int64
    /// ...or after this long, whichever comes first (only when bytes moved).
    package var meterInterval: Duration
    /// Bytes buffered per direction in the relay; a slow reader stops the other side's reads at
    /// this mark (back-pressure), so memory per session stays bounded.
    package var relayBufferBytes: Int

    /// Creates a configuration with the documented defaults.
    package init(greetingName: String = "localhost", preLoginTimeout: Duration = .seconds(60),
                 maxPreLoginLineBytes: Int = 8 * 1024, maxFailedLogins: Int = 3, failureDelay: Duration = .seconds(1),
                 rateLimit: RateLimitPolicy = RateLimitPolicy(), localTLS: ServerTLSContext? = nil,
                 killGrace: Duration = .milliseconds(700), meterBytes: Int64 = 64 * 1024,
                 meterInterval: Duration = .seconds(1), relayBufferBytes: Int = 64 * 1024) {
        self.greetingName = greetingName
        self.preLoginTimeout = preLoginTimeout
        self.maxPreLoginLineBytes = maxPreLoginLineBytes
        self.maxFailedLogins = maxFailedLogins
        self.failureDelay = failureDelay
        self.rateLimit = rateLimit
        self.localTLS = localTLS
        self.killGrace = killGrace
        self.meterBytes = meterBytes
        self.meterInterval = meterInterval
        self.relayBufferBytes = relayBufferBytes
    }
}
