package import AppVault
package import Logging
package import VaultCrypto

/// A logged-in IMAP session (RFC 9051 / 3501) over verified TLS.
///
/// Get one from ``connect(lease:redeemer:options:logger:)``: it connects to the lease's
/// endpoint, secures the connection (implicit TLS or STARTTLS, refusing servers that do not
/// offer it), and logs in as the lease's user with the lease's secret, which it reads only for
/// the moment of authentication. Then list mailboxes, open one and read message summaries,
/// and finish with ``logout()``. Not thread-safe: use one client from one task at a time.
public final class IMAPClient {
    let connection: Connection
    let parser: IMAPResponseParser
    let logger: Logger
    private let account: String
    private let budget: (any TrafficBudget)?
    var nextTag = 1
    /// The server's capabilities (upper-cased), as reported after TLS and again after login.
    public internal(set) var capabilities: Set<String> = []
    private var selected: IMAPMailboxStatus?
    var finished = false

    /// Bytes received from the server so far (application data).
    public var bytesRead: Int64 { connection.bytesRead }
    /// Bytes sent to the server so far (application data).
    public var bytesWritten: Int64 { connection.bytesWritten }

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
        let client = try IMAPClient(endpoint: lease.endpoint, account: lease.account, options: options, logger: logger)
        try client.closing {
            try redeemer.redeem(lease, for: .imap) { secret in
                try client.authenticate(username: lease.username, password: secret)
            }
        }
        return client
    }

    /// Connects and logs in with a password that is not in the vault yet, to check it before it
    /// is stored (`appvault add --verify`). Traffic is metered under `account`.
    package static func connect(endpoint: ServerEndpoint, username: String, password: borrowing SecureBytes,
                                account: String, options: ConnectionOptions, logger: Logger) throws -> IMAPClient {
        let client = try IMAPClient(endpoint: endpoint, account: account, options: options, logger: logger)
        try client.closing { try client.authenticate(username: username, password: password) }
        return client
    }

    /// Connects, reads the greeting and secures the connection; not yet logged in.
    private init(endpoint: ServerEndpoint, account: String, options: ConnectionOptions, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "imap"] = "\(endpoint)"
        self.logger = logger
        self.account = account
        self.budget = options.trafficBudget
        self.parser = IMAPResponseParser(maxLineBytes: options.maxLineBytes, maxResponseBytes: options.maxLiteralBytes)
        try options.trafficBudget?.ensureAllowance(account: account, direction: .download, bytes: 0)
        connection = try Connection(endpoint: endpoint, options: options, logger: logger)
        try closing { try secure(starttls: endpoint.security == .starttls) }
    }

    deinit {
        guard !finished else { return }
        connection.close()
        do { try recordTraffic() } catch {
            logger.warning("could not record IMAP traffic", metadata: ["error": "\(error)"])
        }
    }

    /// The mailboxes matching `pattern` (`*` for all, `%` for one level) under `reference`.
    public func list(reference: String = "", pattern: String = "*") throws -> [IMAPMailbox] {
        let (untagged, _) = try run([.text("LIST "), .string(reference), .text(" "), .string(pattern)])
        return try untagged.compactMap { (response) throws(ConnectorError) -> IMAPMailbox? in
            guard case .data(nil, "LIST", let values) = response else { return nil }
            guard values.count == 3, case .list(let attributes) = values[0], let name = values[2].text else {
                throw .protocolViolation("malformed LIST response")
            }
            return IMAPMailbox(name: name, delimiter: values[1].text, attributes: attributes.compactMap(\.text))
        }
    }

    /// Opens `mailbox` read-write (`SELECT`).
    @discardableResult
    public func select(_ mailbox: String) throws -> IMAPMailboxStatus {
        try open(mailbox, command: "SELECT ")
    }

    /// Opens `mailbox` read-only (`EXAMINE`): reading summaries changes no flags.
    @discardableResult
    public func examine(_ mailbox: String) throws -> IMAPMailboxStatus {
        try open(mailbox, command: "EXAMINE ")
    }

    /// Summaries (date, from, subject) of the newest `count` messages of the open mailbox,
    /// newest first.
    public func newestMessages(_ count: Int) throws -> [MessageSummary] {
        guard let selected else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        guard count > 0, selected.messageCount > 0 else { return [] }
        let first = max(1, selected.messageCount - count + 1)
        let (untagged, _) = try run([.text("FETCH \(first):\(selected.messageCount) (UID ENVELOPE)")])
        var summaries: [MessageSummary] = []
        for response in untagged {
            guard case .data(let number?, "FETCH", let values) = response else { continue }
            summaries.append(try EnvelopeDecoder.summary(sequenceNumber: number, attributes: values))
        }
        return summaries.sorted { $0.sequenceNumber > $1.sequenceNumber }
    }

    /// Logs out, closes the connection and reports the bytes moved to the traffic budget.
    /// Errors from the server while logging out are ignored; the budget's errors are thrown.
    public func logout() throws {
        guard !finished else { return }
        finished = true
        do { _ = try run([.text("LOGOUT")]) } catch {
            logger.debug("LOGOUT failed", metadata: ["error": "\(error)"])
        }
        connection.close()
        try recordTraffic()
    }

    private func open(_ mailbox: String, command: String) throws -> IMAPMailboxStatus {
        selected = nil
        let (untagged, completion) = try run([.text(command), .string(mailbox)])
        var status = IMAPMailboxStatus(name: mailbox, messageCount: 0, uidValidity: nil, uidNext: nil,
                                       readOnly: completion.code?.uppercased() == "READ-ONLY")
        for response in untagged {
            switch response {
            case .data(let number?, "EXISTS", _):
                status.messageCount = Int(clamping: number)
            case .status(.ok, let text):
                let words = (text.code ?? "").split(separator: " ")
                guard words.count == 2 else { continue }
                switch words[0].uppercased() {
                case "UIDVALIDITY": status.uidValidity = UInt32(words[1])
                case "UIDNEXT": status.uidNext = UInt32(words[1])
                default: break
                }
            default:
                break
            }
        }
        selected = status
        return status
    }

    private func recordTraffic() throws {
        try budget?.record(account: account, direction: .download, bytes: connection.bytesRead)
        try budget?.record(account: account, direction: .upload, bytes: connection.bytesWritten)
    }

    /// Runs `body`; if it throws, closes the connection (no half-open sessions) and rethrows.
    func closing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            finished = true
            connection.close()
            try? recordTraffic()
            throw error
        }
    }
}
