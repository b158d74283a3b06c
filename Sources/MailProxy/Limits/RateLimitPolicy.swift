/// How failed logins from one peer (``ProxyPeer/rateLimitKey``) are slowed down.
///
/// The first ``allowedFailures`` failures cost only the failure delay. Each further one refuses
/// the peer for a back-off that starts at ``firstBackOff`` and doubles up to ``maxBackOff``.
/// A peer's count is forgotten ``forgetAfter`` its last failure, and on a successful login.
package struct RateLimitPolicy: Sendable {
    /// Failures allowed before back-off starts.
    package var allowedFailures: Int
    /// The first back-off.
    package var firstBackOff: Duration
    /// The longest back-off.
    package var maxBackOff: Duration
    /// Quiet time after which a peer's failures are forgotten.
    package var forgetAfter: Duration
    /// Most peers remembered at once; the stalest are dropped first (a bound on memory).
    package var maxPeers: Int

    /// Creates a policy; the defaults suit an interactive user with a mistyped token.
    package init(allowedFailures: Int = 5, firstBackOff: Duration = .seconds(30), maxBackOff: Duration = .seconds(900),
                 forgetAfter: Duration = .seconds(3600), maxPeers: Int = 10_000) {
        self.allowedFailures = allowedFailures
        self.firstBackOff = firstBackOff
        self.maxBackOff = maxBackOff
        self.forgetAfter = forgetAfter
        self.maxPeers = maxPeers
    }
}
