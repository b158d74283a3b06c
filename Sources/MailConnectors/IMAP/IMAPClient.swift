public import AppVault
package import Logging
package import VaultCrypto

/// A logged-in IMAP session (RFC 9051 / 3501).
///
/// Open one with ``MailSession`` (in-process with an unlocked `Vault`, or through the agent's
/// local endpoint); appvault's own tools use the package-level `connect` functions. Over the
/// network the connection is verified TLS (implicit or STARTTLS, refusing servers that do not
/// offer it); the password is read only for the moment of authentication.
///
/// Then list mailboxes, open one, search, fetch summaries and bodies (streamed), wait for new
/// mail with IDLE, and finish with ``logout()``. Not thread-safe: use one client from one task
/// at a time.
public final class IMAPClient {
    let connection: Connection
    let parser: IMAPResponseParser
    let logger: Logger
    let account: String
    private let budget: (any TrafficBudget)?
    var nextTag = 1
    /// The server's capabilities (upper-cased), as reported after TLS and again after login.
    public internal(set) var capabilities: Set<String> = []
    /// The open mailbox, kept current as EXISTS and EXPUNGE arrive.
    public internal(set) var selected: IMAPMailboxStatus?
    /// Whether mailbox names and search strings travel as UTF-8 (UTF8=ACCEPT enabled, or an
    /// IMAP4rev2-only server) rather than modified UTF-7 and `CHARSET UTF-8`.
    public internal(set) var utf8Enabled = false
    /// The reason of a `* BYE` the server sent, if any.
    var byeReason: String?
    /// Keeps the session's lease alive, when the session holds one.
    var leaseKeeper: LeaseKeeper?
    var finished = false
    private var recordedRead: Int64 = 0
    private var recordedWritten: Int64 = 0

    /// Bytes received from the server so far (application data).
    public var bytesRead: Int64 { connection.bytesRead }
    /// Bytes sent to the server so far (application data).
    public var bytesWritten: Int64 { connection.bytesWritten }
    /// The lease this session holds, renewed while the session lives; nil for sessions through
    /// the agent's endpoint (the agent holds it there).
    public var lease: Lease? { leaseKeeper?.lease }

    /// Connects to `lease.endpoint` and logs in as `lease.username` with the lease's secret.
    ///
    /// The host, port, security and user come only from the lease. One use of the lease is
    /// spent, after TLS is established and just before credentials are sent.
    /// - Throws: ``ConnectorError``; `VaultError` from the redeemer (expired, revoked...) or
    ///   `VaultError.leaseWrongProtocol` for an SMTP lease; whatever the traffic budget throws.
    package static func connect(lease: Lease, redeemer: some LeaseRedeemer, options: ConnectionOptions,
                                logger: Logger) throws -> IMAPClient {
        guard lease.protocol == .imap else {
            throw VaultError.leaseWrongProtocol(lease: lease.id, granted: lease.protocol, requested: .imap)
        }
        try options.trafficBudget?.ensureAllowance(account: lease.account, direction: .download, bytes: 0)
        let connection = try Connection(endpoint: lease.endpoint, options: options, logger: logger)
        let client = try IMAPClient(connection: connection, name: "\(lease.endpoint)", account: lease.account,
                                    starttls: lease.endpoint.security == .starttls, options: options, logger: logger)
        try client.closing {
            try redeemer.redeem(lease, for: .imap) { secret in
                try client.authenticate(username: lease.username, password: secret)
            }
        }
        return client
    }

    /// Connects and logs in with a password that is not in the vault yet, to check it before it
    /// is stored (`appvault add --verify`), or for the agent's proxy (`enablingUTF8: false`: the
    /// relayed session is left as the server began it). Traffic is metered under `account`.
    package static func connect(endpoint: ServerEndpoint, username: String, password: borrowing SecureBytes,
                                account: String, options: ConnectionOptions, logger: Logger,
                                enablingUTF8: Bool = true) throws -> IMAPClient {
        try options.trafficBudget?.ensureAllowance(account: account, direction: .download, bytes: 0)
        let connection = try Connection(endpoint: endpoint, options: options, logger: logger)
        let client = try IMAPClient(connection: connection, name: "\(endpoint)", account: account,
                                    starttls: endpoint.security == .starttls, options: options, logger: logger)
        try client.closing { try client.authenticate(username: username, password: password, enablingUTF8: enablingUTF8) }
        return client
    }

    /// Takes over a connected socket to a checked local endpoint and logs in to `account` with
    /// a local credential (client token or lease password), in plaintext: allowed only because
    /// the channel never leaves this host.
    package static func connect(localSocket fd: Int32, name: String, account: String, credential: borrowing SecureBytes,
                                options: ConnectionOptions, logger: Logger) throws -> IMAPClient {
        let connection = Connection(localSocket: fd, name: name, options: options, logger: logger)
        try options.trafficBudget?.ensureAllowance(account: account, direction: .download, bytes: 0)
        let client = try IMAPClient(connection: connection, name: name, account: account, starttls: false,
                                    options: options, logger: logger)
        try ConnectorError.refusingLocalCredential {
            try client.closing { try client.authenticate(username: account, password: credential) }
        }
        return client
    }

    /// Reads the greeting and secures the connection; not yet logged in.
    private init(connection: Connection, name: String, account: String, starttls: Bool,
                 options: ConnectionOptions, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "imap"] = "\(name)"
        self.logger = logger
        self.account = account
        self.budget = options.trafficBudget
        self.parser = IMAPResponseParser(maxLineBytes: options.maxLineBytes, maxResponseBytes: options.maxLiteralBytes)
        self.connection = connection
        try closing { try secure(starttls: starttls) }
    }

    deinit {
        guard !finished else { return }
        connection.close()
        endLease()
        do { try recordTraffic() } catch {
            logger.warning("could not record IMAP traffic", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the session was closed (``logout()``, a fatal error, or the server's BYE).
    public var isClosed: Bool { finished }

    /// Logs out, closes the connection and reports the bytes moved to the traffic budget.
    /// Errors from the server while logging out are ignored; the budget's are thrown.
    public func logout() throws {
        guard !finished else { return }
        finished = true
        do { _ = try run([.text("LOGOUT")]) } catch {
            logger.debug("LOGOUT failed", metadata: ["error": "\(error)"])
        }
        connection.close()
        endLease()
        try recordTraffic()
    }

    /// Ends the session's lease, if it holds one; a failure is only logged (the lease expires anyway).
    private func endLease() {
        guard let leaseKeeper else { return }
        self.leaseKeeper = nil
        do { try leaseKeeper.finish() } catch {
            logger.debug("could not end the session's lease", metadata: ["error": "\(error)"])
        }
    }

    /// Reports the bytes moved since the last report to the traffic budget.
    func recordTraffic() throws {
        let read = connection.bytesRead - recordedRead
        let written = connection.bytesWritten - recordedWritten
        recordedRead += read
        recordedWritten += written
        if read > 0 { try budget?.record(account: account, direction: .download, bytes: read) }
        if written > 0 { try budget?.record(account: account, direction: .upload, bytes: written) }
    }

    /// Traffic not yet recorded is recorded once it passes this many bytes (and at logout): a
    /// budget write per message would cost a vault transaction, and an fsync, each.
    static let recordingThreshold: Int64 = 4 << 20

    /// Asks the budget whether `bytes` more may be downloaded, counting what the session moved
    /// but has not recorded yet.
    func ensureDownloadAllowance(_ bytes: Int64) throws {
        if connection.bytesRead - recordedRead >= Self.recordingThreshold { try recordTraffic() }
        try budget?.ensureAllowance(account: account, direction: .download, bytes: connection.bytesRead - recordedRead + bytes)
    }

    /// Runs `body`; if it throws, closes the connection (no half-open sessions) and rethrows.
    func closing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            finished = true
            connection.close()
            endLease()
            try? recordTraffic()
            throw error
        }
    }

    /// Fails when the session is closed; renews the session's lease when it is due.
    func ensureOpen() throws {
        guard !finished else {
            if let byeReason { throw ConnectorError.serverClosedSession(reason: byeReason) }
            throw ConnectorError.notConnected
        }
        if let leaseKeeper { try closing { try leaseKeeper.renewIfDue() } }
    }
}
