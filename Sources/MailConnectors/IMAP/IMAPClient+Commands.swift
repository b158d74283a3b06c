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

    /// Sends a command made of `parts` and waits for its completion.
    /// - Returns: the untagged responses and the tagged OK's text.
    /// - Throws: ``ConnectorError/serverRejected(code:text:)`` for NO and BAD.
    @discardableResult
    func run(_ parts: [IMAPCommandPart]) throws(ConnectorError) -> (untagged: [IMAPResponse], completion: IMAPStatusText) {
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
                } else {
                    pending += IMAPString.literalHeader(bytes.count)
                    try send(pending)
                    collected += try awaitContinuation(tag: tag)
                    pending = bytes
                }
            }
        }
        try send(pending + [0x0D, 0x0A])
        let (untagged, status, text) = try finish(tag: tag)
        guard status == .ok else { throw .serverRejected(code: status.rawValue, text: text.text) }
        return (collected + untagged, text)
    }

    /// Writes public command bytes, tracing them.
    func send(_ bytes: [UInt8]) throws(ConnectorError) {
        logger.trace("C: \(ConnectorError.sanitize(bytes))")
        try connection.write(bytes)
    }

    /// Reads one response.
    func readResponse() throws(ConnectorError) -> IMAPResponse {
        var source = connection
        let response = try parser.read(from: &source)
        logger.trace("S: \(String(describing: response).prefix(300))")
        return response
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
    func finish(tag: String) throws(ConnectorError) -> ([IMAPResponse], IMAPStatus, IMAPStatusText) {
        var untagged: [IMAPResponse] = []
        while true {
            switch try readResponse() {
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
