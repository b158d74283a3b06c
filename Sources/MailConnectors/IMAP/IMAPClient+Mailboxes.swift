extension IMAPClient {
    /// The mailboxes matching `pattern` (`*` for all, `%` for one level) under `reference`.
    /// Names are given in the server's spelling (``IMAPMailbox/name``) and decoded for people
    /// (``IMAPMailbox/displayName``). Malformed LIST lines are skipped.
    public func list(reference: String = "", pattern: String = "*") throws -> [IMAPMailbox] {
        try ensureOpen()
        let (untagged, _) = try run([.text("LIST "), .string(reference), .text(" "), .string(pattern)])
        return untagged.compactMap { response -> IMAPMailbox? in
            guard case .data(nil, "LIST", let values) = response, values.count >= 3,
                  let attributes = values[0].items, let nameBytes = values[2].bytes else { return nil }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let display = utf8Enabled ? name : (MailboxName.decode(name) ?? name)
            return IMAPMailbox(name: name, displayName: display, delimiter: values[1].text,
                               attributes: attributes.compactMap(\.text))
        }
    }

    /// Opens `mailbox` read-write (`SELECT`). `mailbox` is the server's spelling, as ``list(reference:pattern:)``
    /// gives it; use ``MailboxName/encode(_:)`` to spell a name typed by a person.
    @discardableResult
    public func select(_ mailbox: String) throws -> IMAPMailboxStatus {
        try open(mailbox, command: "SELECT ")
    }

    /// Opens `mailbox` read-only (`EXAMINE`): reading summaries and bodies changes no flags.
    @discardableResult
    public func examine(_ mailbox: String) throws -> IMAPMailboxStatus {
        try open(mailbox, command: "EXAMINE ")
    }

    /// Asks the server for news (`NOOP`): new messages, expunges, flag changes, a BYE.
    /// Returns the open mailbox's status afterwards.
    @discardableResult
    public func noop() throws -> IMAPMailboxStatus? {
        try ensureOpen()
        try closingOnFatal { () throws(ConnectorError) in _ = try run([.text("NOOP")]) }
        return selected
    }

    private func open(_ mailbox: String, command: String) throws -> IMAPMailboxStatus {
        try ensureOpen()
        selected = nil
        let (untagged, completion) = try closingOnFatal { () throws(ConnectorError) in try run([.text(command), .string(mailbox)]) }
        var status = IMAPMailboxStatus(name: mailbox, messageCount: 0, uidValidity: nil, uidNext: nil,
                                       readOnly: command.hasPrefix("EXAMINE"))
        if case .readOnly? = completion.responseCode { status.readOnly = true }
        if case .readWrite? = completion.responseCode { status.readOnly = false }
        for response in untagged {
            switch response {
            case .data(let number?, "EXISTS", _):
                status.messageCount = Int(clamping: number)
            case .data(let number?, "RECENT", _):
                status.recentCount = Int(clamping: number)
            case .data(nil, "FLAGS", let values):
                status.flags = values.first?.items?.compactMap(\.text) ?? []
            case .status(let kind, let text):
                switch text.responseCode {
                case .uidValidity(let value)?: status.uidValidity = value
                case .uidNext(let value)?: status.uidNext = value
                case .permanentFlags(let flags)?: status.permanentFlags = flags
                case .highestModSeq(let value)?: status.highestModSeq = value
                case .alert?: status.alerts.append(text.text)
                default: if kind == .no { logger.debug("warning while opening", metadata: ["text": "\(text.text)"]) }
                }
            default:
                break
            }
        }
        selected = status
        return status
    }

    /// Runs a command; a failure that leaves the connection unusable (anything but a NO or BAD
    /// answer) closes the session.
    func closingOnFatal<T>(_ body: () throws(ConnectorError) -> T) throws(ConnectorError) -> T {
        do {
            return try body()
        } catch {
            if case .serverRejected = error { throw error }
            _ = try? closing { throw error }
            throw error
        }
    }
}
