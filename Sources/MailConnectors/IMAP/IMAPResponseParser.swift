/// Reads and parses IMAP server responses (RFC 9051 §7, §9). Pure: it works on any
/// ``ByteSource``, so tests feed it bytes from memory.
///
/// Malformed input becomes ``ConnectorError/protocolViolation(_:)``; lines, literals, total
/// response size and list nesting are bounded.
struct IMAPResponseParser {
    /// Longest line between literals.
    var maxLineBytes = 64 * 1024
    /// Largest single literal and whole response.
    var maxResponseBytes = 16 * 1024 * 1024
    /// Deepest list nesting accepted (real responses stay below 10).
    var maxDepth = 32

    /// Reads one whole response from `source`, following literals, and parses it.
    func read(from source: inout some ByteSource) throws(ConnectorError) -> IMAPResponse {
        try parse(frame(from: &source))
    }

    /// Collects the lines and literals of one response into a single buffer.
    func frame(from source: inout some ByteSource) throws(ConnectorError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let line = try source.readLine(maxBytes: maxLineBytes)
            bytes += line
            bytes += [0x0D, 0x0A]
            guard let count = Self.trailingLiteralCount(line) else { return bytes }
            guard count <= maxResponseBytes - bytes.count else {
                throw .protocolViolation("literal of \(count) bytes exceeds the limit of \(maxResponseBytes)")
            }
            bytes += try source.readBytes(count)
        }
    }

    /// The `n` of a line ending in `{n}` or `{n+}`, or nil.
    static func trailingLiteralCount(_ line: [UInt8]) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// Parses one framed response (ending in CRLF, literals inline).
    func parse(_ bytes: [UInt8]) throws(ConnectorError) -> IMAPResponse {
        var scanner = Scanner(bytes: bytes, maxDepth: maxDepth)
        let response = try scanner.response()
        guard scanner.atEnd else { throw .protocolViolation("unexpected data after a response") }
        return response
    }
}

/// The cursor over one framed response.
private struct Scanner {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var atEnd: Bool { index == bytes.count }
    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func response() throws(ConnectorError) -> IMAPResponse {
        if current == UInt8(ascii: "+") {
            index += 1
            if current == 0x20 { index += 1 }
            return .continuation(try restOfLine())
        }
        let tag = try atom()
        try expect(0x20)
        if tag == "*" {
            return try untagged()
        }
        guard tag.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "*") }) else {
            throw violation("bad tag")
        }
        guard let status = IMAPStatus(rawValue: try atom().uppercased()), [.ok, .no, .bad].contains(status) else {
            throw violation("tagged response without OK, NO or BAD")
        }
        return .tagged(tag: tag, status: status, text: try statusText())
    }

    private mutating func untagged() throws(ConnectorError) -> IMAPResponse {
        var number: UInt64?
        if let byte = current, (0x30...0x39).contains(byte) {
            number = try self.number()
            try expect(0x20)
        }
        let keyword = try atom().uppercased()
        if number == nil, let status = IMAPStatus(rawValue: keyword) {
            return .status(status, try statusText())
        }
        var values: [IMAPValue] = []
        while current == 0x20 {
            index += 1
            values.append(try value(depth: 0))
        }
        try endOfLine()
        return .data(number: number, keyword: keyword, values: values)
    }

    /// `[SP] ["[" code "]"] [SP] text CRLF`
    private mutating func statusText() throws(ConnectorError) -> IMAPStatusText {
        if current == 0x20 { index += 1 }
        var code: String?
        if current == UInt8(ascii: "[") {
            index += 1
            let start = index
            while let byte = current, byte != UInt8(ascii: "]"), byte != 0x0D, byte != 0x0A { index += 1 }
            guard current == UInt8(ascii: "]") else { throw violation("unterminated response code") }
            code = String(decoding: bytes[start..<index], as: UTF8.self)
            index += 1
            if current == 0x20 { index += 1 }
        }
        return IMAPStatusText(code: code, text: try restOfLine())
    }

    private mutating func restOfLine() throws(ConnectorError) -> String {
        let start = index
        while let byte = current, byte != 0x0D { index += 1 }
        let text = ConnectorError.sanitize(bytes[start..<index])
        try endOfLine()
        return text
    }

    private mutating func value(depth: Int) throws(ConnectorError) -> IMAPValue {
        switch current {
        case UInt8(ascii: "("):
            guard depth < maxDepth else { throw violation("lists nested deeper than \(maxDepth)") }
            index += 1
            var items: [IMAPValue] = []
            while current != UInt8(ascii: ")") {
                if !items.isEmpty { try expect(0x20) }
                items.append(try value(depth: depth + 1))
            }
            index += 1
            return .list(items)
        case UInt8(ascii: "\""):
            return .string(try quoted())
        case UInt8(ascii: "{"):
            return .string(try literal())
        case nil, 0x20, 0x0D, 0x0A, UInt8(ascii: ")"):
            throw violation("missing value")
        default:
            let word = try atom()
            if word.uppercased() == "NIL" { return .nil }
            if word.utf8.allSatisfy({ (0x30...0x39).contains($0) }), word.utf8.count <= 19, let number = UInt64(word) {
                return .number(number)
            }
            return .atom(word)
        }
    }

    private mutating func quoted() throws(ConnectorError) -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current, byte != 0x0D, byte != 0x0A else { throw violation("unterminated quoted string") }
            index += 1
            if byte == UInt8(ascii: "\"") { return out }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = current, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw violation("bad escape in quoted string")
                }
                out.append(escaped)
                index += 1
            } else {
                out.append(byte)
            }
        }
    }

    /// `{n}` CRLF n-bytes (the framer already checked n against the limit).
    private mutating func literal() throws(ConnectorError) -> [UInt8] {
        index += 1
        let start = index
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        guard index > start, index - start <= 10, let count = Int(String(decoding: bytes[start..<index], as: UTF8.self))
        else { throw violation("bad literal length") }
        if current == UInt8(ascii: "+") { index += 1 }
        try expect(UInt8(ascii: "}"))
        try expect(0x0D)
        try expect(0x0A)
        guard count <= bytes.count - index else { throw violation("literal longer than the data") }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    private mutating func number() throws(ConnectorError) -> UInt64 {
        let start = index
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        guard index - start <= 19, let value = UInt64(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw violation("bad number")
        }
        return value
    }

    /// Atom characters, plus `[` `]` (for `BODY[...]`), `\` (flags) and `*` `%` (wildcards, `\*`).
    private mutating func atom() throws(ConnectorError) -> String {
        let start = index
        while let byte = current, byte > 0x20, byte != 0x7F, byte != UInt8(ascii: "("), byte != UInt8(ascii: ")"),
              byte != UInt8(ascii: "{"), byte != UInt8(ascii: "\"") {
            index += 1
        }
        guard index > start else { throw violation("expected an atom") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func endOfLine() throws(ConnectorError) {
        try expect(0x0D)
        try expect(0x0A)
    }

    private mutating func expect(_ byte: UInt8) throws(ConnectorError) {
        guard current == byte else { throw violation("expected '\(ConnectorError.sanitize([byte]))'") }
        index += 1
    }

    private func violation(_ what: String) -> ConnectorError {
        .protocolViolation("malformed IMAP response (\(what) at byte \(index))")
    }
}
