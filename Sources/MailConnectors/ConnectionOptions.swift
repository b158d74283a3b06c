/// How a connector connects: trust anchors, time-outs, size limits and traffic budget.
///
/// There is deliberately no option to skip certificate or host name verification.
public struct ConnectionOptions: Sendable {
    /// A PEM file of CA certificates to trust instead of the system store (`--ca-file`,
    /// `$APPVAULT_CA_FILE`); nil means the system CA store.
    public var caFile: String?
    /// Longest wait for the TCP connection.
    public var connectTimeout: Duration
    /// Longest wait for the TLS handshake and for each single read or write.
    public var ioTimeout: Duration
    /// Longest protocol line accepted from the server.
    public var maxLineBytes: Int
    /// Most bytes of one IMAP response held in memory: its lines and the literals that are not
    /// streamed (bodies fetched to a file or handler are streamed, whatever their size).
    public var maxLiteralBytes: Int
    /// The name sent in SMTP `EHLO`.
    public var clientName: String
    /// Checked before work starts and told the bytes moved when a session closes; nil for none.
    public var trafficBudget: (any TrafficBudget)?

    /// Creates options; the defaults suit public providers.
    public init(caFile: String? = nil, connectTimeout: Duration = .seconds(15),
                ioTimeout: Duration = .seconds(60), maxLineBytes: Int = 64 * 1024,
                maxLiteralBytes: Int = 16 * 1024 * 1024, clientName: String = "localhost",
                trafficBudget: (any TrafficBudget)? = nil) {
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.maxLineBytes = maxLineBytes
        self.maxLiteralBytes = maxLiteralBytes
        self.clientName = clientName
        self.trafficBudget = trafficBudget
    }
}
