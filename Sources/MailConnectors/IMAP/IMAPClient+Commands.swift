internal import Logging

/// A piece of an IMAP command: literal protocol text, or a string argument that is quoted or
/// sent as a literal as needed.
enum IMAPCommandPart {
    case text(String)
    case string(String)
}

extension IMAPClient {
    /// A new command tag (`A1`, `A2`, ...).
    func makeTag() -> String {
        defer { nextTag += 1 }
        return "A\(nextTag)"
    }

    /// Sends a command made of `parts` and waits for its completion. String arguments that
    /// cannot be quoted go as literals: non-synchronizing (`{n+}`) when the server offers
    /// LITERAL+ (or LITERAL- for up to 4 KiB), else synchronizing.
    /// - Parameter router: where FETCH item literals go (see ``LiteralRouter``).
    /// - Returns: the untagged responses and the tagged OK's text.
    /// - Throws: ``ConnectorError/serverRejected(code:text:)`` for NO and BAD.
    @discardableResult
    func run(_ parts: [IMAPCommandPart], router: LiteralRouter? = nil) throws(ConnectorError)
        -> (untagged: [IMAPResponse], completion: IMAPStatusText)
    {
        let tag = makeTag()
        var pending = Array("\(tag) ".utf8)
        var collected: [IMAPResponse] = []
        for part in parts {
            switch part {
            case .text(let text):
                pending += Array(text.utf8)
            case .string(let string):
                let bytes = Array(string.utf8)
                if IMAPString.isQuotable(bytes) {
                    pending += IMAPString.quoted(bytes)
                } else if capabilities.contains("LITERAL+") || (capabilities.contains("LITERAL-") && bytes.count <= 4096) {
                    pending += Array("{\(bytes.count)+}\r\n".utf8) + bytes
                } else {
                    pending += IMAPString.literalHeader(bytes.count)
                    try send(pending)
                    collected += try awaitContinuation(tag: tag)
                    pending = bytes
                }
            }
        }
        try send(pending + [0x0D, 0x0A])
        let (untagged, status, text) = try finish(tag: tag, router: router)
        guard status == .ok else { throw .serverRejected(code: status.rawValue, text: text.text) }
        return (collected + untagged, text)
    }

    /// Writes public command bytes, tracing them.
    func send(_ bytes: [UInt8]) throws(ConnectorError) {
        logger.trace("C: \(ConnectorError.sanitize(bytes))")
        try connection.write(bytes)
    }

    /// Reads one response and keeps the session's view current: EXISTS, EXPUNGE and VANISHED
    /// update the open mailbox's count wherever they arrive; BYE is remembered so a closed
    /// connection is reported with the server's reason.
    func readResponse(router: LiteralRouter? = nil) throws(ConnectorError) -> IMAPResponse {
        var source = connection
        let response: IMAPResponse
        do {
            response = try parser.read(from: &source, router: router)
        } catch .connectionClosed where byeReason != nil {
            throw .serverClosedSession(reason: byeReason ?? "")
        }
        logger.trace("S: \(String(describing: response).prefix(300))")
        observe(response)
        return response
    }

    private func observe(_ response: IMAPResponse) {
        switch response {
        case .data(let count?, "EXISTS", _):
            selected?.messageCount = Int(clamping: count)
        case .data(_?, "EXPUNGE", _):
            if let count = selected?.messageCount, count > 0 { selected?.messageCount = count - 1 }
        case .data(nil, "VANISHED", let values):
            // `* VANISHED (EARLIER) set` reports the past; a plain one removes messages now.
            if values.count == 1, let set = values.first?.text, let count = selected?.messageCount {
                selected?.messageCount = max(0, count - UIDSet.count(of: set))
            }
        case .status(.bye, let text):
            byeReason = text.text
            logger.debug("server said BYE", metadata: ["reason": "\(text.text)"])
        case .status(_, let text) where text.responseCode == .alert:
            logger.notice("server alert", metadata: ["text": "\(text.text)"])
        case .malformed(let number, let keyword, let reason):
            logger.debug("skipped a malformed response", metadata: [
                "keyword": "\(keyword)", "number": "\(number.map(String.init) ?? "-")", "reason": "\(reason)"])
        default:
            break
        }
    }

    /// Reads untagged responses until the server asks for the rest of the command with `+`.
    /// A tagged NO/BAD for `tag` ends the command instead.
    func awaitContinuation(tag: String) throws(ConnectorError) -> [IMAPResponse] {
        var untagged: [IMAPResponse] = []
        while true {
            switch try readResponse() {
            case .continuation:
                return untagged
            case .tagged(tag, let status, let text):
                throw .serverRejected(code: status.rawValue, text: text.text)
            case .tagged:
                throw .protocolViolation("tagged response for a command that was not sent")
            case let other:
                untagged.append(other)
            }
        }
    }

    /// Reads until the tagged completion of `tag`. A continuation request here means the server
    /// wants more than appvault sends: it is answered with `*` (cancel, for AUTHENTICATE) and
    /// the command's final status is returned.
    func finish(tag: String, router: LiteralRouter? = nil) throws(ConnectorError) -> ([IMAPResponse], IMAPStatus, IMAPStatusText) {
        var untagged: [IMAPResponse] = []
        while true {
            switch try readResponse(router: router) {
            case .tagged(tag, let status, let text):
                return (untagged, status, text)
            case .tagged:
                throw .protocolViolation("tagged response for a command that was not sent")
            case .continuation:
                try send(Array("*\r\n".utf8))
            case let other:
                untagged.append(other)
            }
        }
    }
}
