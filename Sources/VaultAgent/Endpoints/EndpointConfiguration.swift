public import AppVault
public import MailConnectors

/// The agent's IMAP and SMTP endpoints: where they listen and how they log in upstream.
public struct EndpointConfiguration: Sendable {
    /// One loopback TCP endpoint (`--imap-listen 127.0.0.1:1143[:tls|starttls]`).
    public struct TCPEndpoint: Sendable, Equatable {
        /// IMAP or SMTP.
        public var `protocol`: MailProtocol
        /// `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`; other addresses are refused.
        public var address: String
        /// Plaintext, plaintext offering STARTTLS, or TLS from the first byte (the last two need
        /// the local certificate).
        public var security: Security

        /// How a local client's connection is secured.
        public enum Security: String, Sendable, Equatable, CaseIterable {
            case plain, starttls, tls
        }

        /// Parses `HOST:PORT[:tls|starttls]` for `protocol`.
        public init(protocol: MailProtocol, parsing text: String) throws(AgentError) {
            var rest = text
            var security = Security.plain
            for mode in [Security.tls, .starttls] where text.hasSuffix(":" + mode.rawValue) {
                security = mode
                rest = String(text.dropLast(mode.rawValue.count + 1))
            }
            _ = try TCPListener.parse(rest)
            self.protocol = `protocol`
            self.address = rest
            self.security = security
        }
    }

    /// The IMAP endpoint's Unix socket (default: `imap.sock` beside the control socket).
    public var imapSocket: String
    /// The SMTP endpoint's Unix socket (default: `smtp.sock` beside the control socket).
    public var smtpSocket: String
    /// Loopback TCP endpoints, for clients that cannot use a Unix socket.
    public var tcp: [TCPEndpoint]
    /// A PEM certificate and key for local TLS (implicit TLS or STARTTLS on the local side).
    public var localCertificate: String?
    public var localKey: String?
    /// How the agent connects to the mail servers (trust anchors, time-outs).
    public var upstream: ConnectionOptions
    /// Local client connections served at once (each a thread); more are refused at accept.
    public var maximumConnections: Int

    /// Endpoints beside `controlSocket`, with no TCP listener and no local TLS.
    public init(besides controlSocket: String, tcp: [TCPEndpoint] = [], localCertificate: String? = nil,
                localKey: String? = nil, upstream: ConnectionOptions = ConnectionOptions(), maximumConnections: Int = 2048) {
        let folder = controlSocket.lastIndex(of: "/").map { String(controlSocket[..<$0]) } ?? "."
        imapSocket = folder + "/imap.sock"
        smtpSocket = folder + "/smtp.sock"
        self.tcp = tcp
        self.localCertificate = localCertificate
        self.localKey = localKey
        self.upstream = upstream
        self.maximumConnections = max(1, maximumConnections)
    }

    /// Refuses TLS endpoints without a certificate, and a certificate without its key (or the
    /// other way round), before anything is opened.
    public func check() throws(AgentError) {
        guard (localCertificate == nil) == (localKey == nil) else { throw .localTLS("give both --local-cert and --local-key") }
        for endpoint in tcp where endpoint.security != .plain && localCertificate == nil {
            throw .localTLS("\(endpoint.address):\(endpoint.security.rawValue) needs --local-cert and --local-key")
        }
    }
}
