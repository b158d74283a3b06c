package import AppVault
package import Logging
package import VaultCrypto

/// An authenticated SMTP submission session (RFC 5321, RFC 4954) over verified TLS.
///
/// Get one from ``connect(lease:redeemer:options:logger:)``: it connects to the lease's
/// endpoint, secures the connection (implicit TLS or STARTTLS, refusing servers that do not
/// offer it), and authenticates as the lease's user with AUTH PLAIN (or LOGIN if PLAIN is not
/// offered). Then ``send(_:)`` messages and finish with ``quit()``. Not thread-safe.
public final class SMTPClient {
    let connection: Connection
    let logger: Logger
    let clientName: String
    let maxLineBytes: Int
    private let account: String
    private let budget: (any TrafficBudget)?
    var finished = false
    /// The EHLO keywords (upper-cased) with their parameters, as reported over TLS.
    public internal(set) var extensions: [String: String] = [:]

    /// Bytes received from the server so far (application data).
    public var bytesRead: Int64 { connection.bytesRead }
    /// Bytes sent to the server so far (application data).
    public var bytesWritten: Int64 { connection.bytesWritten }

    /// Connects to `lease.endpoint` and authenticates as `lease.username` with the lease's secret.
    ///
    /// The host, port, security and user come only from the lease. One use of the lease is
    /// spent, after TLS is established and just before credentials are sent.
    /// - Throws: ``ConnectorError``; `VaultError` from the redeemer or
    ///   `VaultError.leaseWrongProtocol` for an IMAP lease; whatever the traffic budget throws.
    package static func connect(lease: Lease, redeemer: some LeaseRedeemer, options: ConnectionOptions,
                                logger: Logger) throws -> SMTPClient {
        guard lease.protocol == .smtp else {
            throw VaultError.leaseWrongProtocol(lease: lease.id, granted: lease.protocol, requested: .smtp)
        }
        try options.trafficBudget?.ensureAllowance(account: lease.account, direction: .upload, bytes: 0)
        let connection = try Connection(endpoint: lease.endpoint, options: options, logger: logger)
        let client = try SMTPClient(connection: connection, name: "\(lease.endpoint)", account: lease.account,
                                    starttls: lease.endpoint.security == .starttls, options: options, logger: logger)
        try client.closing {
            try redeemer.redeem(lease, for: .smtp) { secret in
                try client.authenticate(username: lease.username, password: secret)
            }
        }
        return client
    }

    /// Connects and authenticates with a password that is not in the vault yet, to check it
    /// before it is stored (`appvault add --verify`). Traffic is metered under `account`.
    package static func connect(endpoint: ServerEndpoint, username: String, password: borrowing SecureBytes,
                                account: String, options: ConnectionOptions, logger: Logger) throws -> SMTPClient {
        try options.trafficBudget?.ensureAllowance(account: account, direction: .upload, bytes: 0)
        let connection = try Connection(endpoint: endpoint, options: options, logger: logger)
        let client = try SMTPClient(connection: connection, name: "\(endpoint)", account: account,
                                    starttls: endpoint.security == .starttls, options: options, logger: logger)
        try client.closing { try client.authenticate(username: username, password: password) }
        return client
    }

    /// Takes over a connected socket to a checked local endpoint and authenticates as `account`
    /// with a local credential (client token or lease password), in plaintext: allowed only
    /// because the channel never leaves this host.
    package static func connect(localSocket fd: Int32, name: String, account: String, credential: borrowing SecureBytes,
                                options: ConnectionOptions, logger: Logger) throws -> SMTPClient {
        let connection = Connection(localSocket: fd, name: name, options: options, logger: logger)
        try options.trafficBudget?.ensureAllowance(account: account, direction: .upload, bytes: 0)
        let client = try SMTPClient(connection: connection, name: name, account: account, starttls: false,
                                    options: options, logger: logger)
        try ConnectorError.refusingLocalCredential {
            try client.closing { try client.authenticate(username: account, password: credential) }
        }
        return client
    }

    private init(connection: Connection, name: String, account: String, starttls: Bool,
                 options: ConnectionOptions, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "smtp"] = "\(name)"
        self.logger = logger
        self.account = account
        self.budget = options.trafficBudget
        self.clientName = options.clientName
        self.maxLineBytes = options.maxLineBytes
        self.connection = connection
        try closing { try secure(starttls: starttls) }
    }

    deinit {
        guard !finished else { return }
        connection.close()
        do { try recordTraffic() } catch {
            logger.warning("could not record SMTP traffic", metadata: ["error": "\(error)"])
        }
    }

    /// Sends `message` to its recipients.
    public func send(_ message: MailMessage) throws {
        try send(from: message.from, to: message.to, data: message.rfc5322())
    }

    /// Sends an already formatted RFC 5322 message (`data`, any line endings) with envelope
    /// sender `from` and recipients `to`. The traffic budget is asked first for its size.
    public func send(from: String, to recipients: [String], data: [UInt8]) throws {
        guard !finished else { throw ConnectorError.notConnected }
        try MailMessage.check(address: from)
        guard !recipients.isEmpty else { throw ConnectorError.invalidArgument("a message needs at least one recipient") }
        for recipient in recipients { try MailMessage.check(address: recipient) }
        let encoded = DotStuffing.encode(data)
        try budget?.ensureAllowance(account: account, direction: .upload, bytes: Int64(encoded.count))
        do {
            try command("MAIL FROM:<\(from)>", expect: 250)
            for recipient in recipients { try command("RCPT TO:<\(recipient)>", expect: 250) }
            try command("DATA", expect: 354)
        } catch .serverRejected(let code, let text) {
            // Leave the session ready for the next message.
            _ = try? command("RSET", expect: 250)
            throw ConnectorError.serverRejected(code: code, text: text)
        }
        logger.trace("C: <message, \(encoded.count) bytes>")
        try connection.write(encoded)
        try expect(250, after: "the message")
    }

    /// Ends the session (`QUIT`), closes the connection and reports the bytes moved to the
    /// traffic budget. Server errors while quitting are ignored; the budget's are thrown.
    public func quit() throws {
        guard !finished else { return }
        finished = true
        do { try command("QUIT", expect: 221) } catch {
            logger.debug("QUIT failed", metadata: ["error": "\(error)"])
        }
        connection.close()
        try recordTraffic()
    }

    private func recordTraffic() throws {
        try budget?.record(account: account, direction: .download, bytes: connection.bytesRead)
        try budget?.record(account: account, direction: .upload, bytes: connection.bytesWritten)
    }

    /// Runs `body`; if it throws, closes the connection and rethrows.
    func closing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            finished = true
            connection.close()
            try? recordTraffic()
            throw error
        }
    }
}
