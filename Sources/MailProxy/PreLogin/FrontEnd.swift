/// The protocol-specific side of a session before the relay: the pre-login dialogue and the
/// replies that frame the login. ``IMAPPreLogin`` and ``SMTPPreLogin`` adopt it.
protocol FrontEnd {
    /// The first line the client sees.
    var greeting: [UInt8] { get }
    /// Reads and answers commands until one needs the proxy.
    mutating func next(_ channel: inout some PreLoginChannel) throws(PreLoginEnd) -> PreLoginEvent
    /// The reply to a login that was admitted and logged in upstream.
    func loggedIn(tag: String?, upstreamCapabilities: [String]) -> [UInt8]
    /// The reply to a refused login.
    func refused(tag: String?, _ refusal: SessionRefusal) -> [UInt8]
    /// The last words before the proxy closes a connection itself.
    func goodbye(_ reason: Goodbye) -> [UInt8]
    /// How the relay follows and ends this protocol's streams.
    var dialect: RelayDialect { get }
}

/// Why the proxy closes a connection before the relay.
enum Goodbye {
    /// Too many failed logins on this connection.
    case tooManyFailures
    /// The pre-login deadline passed.
    case timedOut
    /// A line or literal over the limit.
    case tooLong
    /// The session was ended (revoked, locked) while it logged in upstream.
    case ended(String)
    /// The agent cannot serve the connection (out of descriptors).
    case unavailable
}
