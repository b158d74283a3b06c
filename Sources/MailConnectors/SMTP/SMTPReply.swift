/// One SMTP reply: a three-digit code and its text lines (RFC 5321 §4.2).
struct SMTPReply: Equatable, Sendable {
    /// The reply code, 200-599.
    var code: Int
    /// The text of each line, without the code and separator.
    var lines: [String]

    /// All lines joined, for messages.
    var text: String { lines.joined(separator: " ") }
}

/// Assembles multi-line SMTP replies (`250-first`, `250-second`, `250 last`). Pure: feed it
/// lines, from a connection or from memory.
struct SMTPReplyParser {
    /// Most lines accepted in one reply.
    var maxLines = 100
    private var code: Int?
    private var lines: [String] = []

    /// Adds one line (without CRLF); returns the reply when this line ends it.
    mutating func consume(_ line: [UInt8]) throws(ConnectorError) -> SMTPReply? {
        guard line.count >= 3, line.prefix(3).allSatisfy({ (0x30...0x39).contains($0) }),
              let value = Int(String(decoding: line.prefix(3), as: UTF8.self)), (200...599).contains(value)
        else { throw .protocolViolation("malformed SMTP reply line") }
        let separator = line.count > 3 ? line[3] : 0x20
        guard separator == 0x20 || separator == UInt8(ascii: "-") else {
            throw .protocolViolation("malformed SMTP reply line")
        }
        if let code, code != value { throw .protocolViolation("SMTP reply changes its code mid-reply") }
        code = value
        lines.append(line.count > 4 ? ConnectorError.sanitize(line[4...]) : "")
        guard lines.count <= maxLines else { throw .protocolViolation("SMTP reply longer than \(maxLines) lines") }
        guard separator == 0x20 else { return nil }
        defer { self = SMTPReplyParser(maxLines: maxLines) }
        return SMTPReply(code: value, lines: lines)
    }

    /// Reads one whole reply from `source`.
    static func read(from source: inout some ByteSource, maxLineBytes: Int) throws(ConnectorError) -> SMTPReply {
        var parser = SMTPReplyParser()
        while true {
            if let reply = try parser.consume(try source.readLine(maxBytes: maxLineBytes)) { return reply }
        }
    }
}
