/// Reads and parses IMAP server responses (RFC 9051 §7 and §9, RFC 3501 §7 and §9) straight from
/// a ``ByteSource``, one line at a time, so tests feed it bytes from memory.
///
/// Literals `{n}` and literal8 `~{n}` may stand wherever a string may. A literal that is the
/// value of a FETCH item can be routed to a ``LiteralSink`` in chunks (a 50 MB attachment never
/// sits whole in memory); every other literal is buffered, up to ``maxResponseBytes`` for the
/// whole response.
///
/// An untagged response whose data breaks the grammar is skipped to its end (across its
/// literals) and returned as ``IMAPResponse/malformed(number:keyword:reason:)``, so one odd
/// message never ends a listing. Everything else that is wrong (tagged responses, oversized lines
/// or literals, a closed connection) is a ``ConnectorError``. Lines, literals, responses and list
/// nesting are bounded.
struct IMAPResponseParser {
    /// Longest line between literals.
    var maxLineBytes = 64 * 1024
    /// Most bytes of one response held in memory (lines and buffered literals).
    var maxResponseBytes = 16 * 1024 * 1024
    /// Deepest list nesting accepted (real responses stay below 10; each BODYSTRUCTURE level is one).
    var maxDepth = 64
    /// Chunk size for literals that go to a sink.
    var streamChunkBytes = 64 * 1024

    /// Reads one whole response from `source`. `router` is asked about each FETCH item literal.
    func read<Source: ByteSource>(from source: inout Source, router: LiteralRouter? = nil) throws(ConnectorError) -> IMAPResponse {
        var scanner = ResponseScanner(source: source, limits: self, router: router)
        defer { source = scanner.source }
        do {
            try scanner.start()
            return try scanner.response()
        } catch {
            switch error {
            case .fatal(let error): throw error
            case .grammar(let reason): throw scanner.violation(reason)
            }
        }
    }

    /// The `n` of a line ending in `{n}`, `{n+}` or `~{n}`, or nil.
    static func trailingLiteralCount(_ line: some BidirectionalCollection<UInt8>) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}

/// Where the parser puts a streamed literal's bytes.
protocol LiteralSink: AnyObject {
    /// Takes the next chunk, in order. A sink that fails keeps its error and ignores the rest;
    /// it must not throw, so that the parser always reads the literal to its end and the
    /// connection stays in step.
    func write(_ chunk: [UInt8])
}

/// A FETCH item's literal, as announced: what a ``LiteralRouter`` decides on.
struct LiteralRoute {
    /// The message's sequence number.
    var sequenceNumber: UInt64
    /// The message's UID, when the response named it before this item (servers put UID first
    /// when asked for it; nil otherwise).
    var uid: UInt32?
    /// The item name as sent (`BODY[1.2]`, `BINARY[1]`, `BODY[]<0>`).
    var item: String
    /// The literal's length.
    var count: Int
}

/// Asked when a FETCH item's literal is announced. Returns the sink to stream to, or nil to
/// buffer the literal. Throwing stops before any of the literal is read.
typealias LiteralRouter = (LiteralRoute) throws(ConnectorError) -> (any LiteralSink)?

/// Why scanning stopped: a grammar error inside a response (recoverable for untagged data) or
/// anything that leaves the stream in an unknown state.
private enum ScanError: Error {
    case grammar(String)
    case fatal(ConnectorError)
}

/// The cursor over one response, reading further lines from the source after each literal.
private struct ResponseScanner<Source: ByteSource> {
    var source: Source
    let limits: IMAPResponseParser
    let router: LiteralRouter?
    private var line: [UInt8] = []
    private var index = 0
    /// Bytes of this response in memory so far.
    private var held = 0
    /// Bytes of this response read so far, for messages.
    private var offset = 0

    init(source: Source, limits: IMAPResponseParser, router: LiteralRouter?) {
        self.source = source
        self.limits = limits
        self.router = router
    }

    private var current: UInt8? { index < line.count ? line[index] : nil }

    func violation(_ what: String) -> ConnectorError {
        .protocolViolation("malformed IMAP response (\(what) at byte \(offset + index))")
    }

    mutating func start() throws(ScanError) {
        try nextLine()
    }

    mutating func response() throws(ScanError) -> IMAPResponse {
        do throws(ScanError) {
            if current == UInt8(ascii: "+") {
                index += 1
                if current == 0x20 { index += 1 }
                return .continuation(ConnectorError.sanitize(line[index...]))
            }
            let tag = try atom()
            try expect(0x20)
            if tag == "*" { return try untagged() }
            guard tag.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "*") }) else { throw .grammar("bad tag") }
            guard let status = IMAPStatus(rawValue: try atom().uppercased()), [.ok, .no, .bad].contains(status) else {
                throw .grammar("tagged response without OK, NO or BAD")
            }
            return .tagged(tag: tag, status: status, text: statusText())
        } catch {
            guard case .grammar(let reason) = error else { throw error }
            throw .fatal(violation(reason))
        }
    }

    private mutating func untagged() throws(ScanError) -> IMAPResponse {
        var number: UInt64?
        if let byte = current, (0x30...0x39).contains(byte) {
            number = try self.number()
            try expect(0x20)
        }
        let keyword = try atom().uppercased()
        if number == nil, let status = IMAPStatus(rawValue: keyword) {
            return .status(status, statusText())
        }
        do throws(ScanError) {
            var values: [IMAPValue] = []
            while true {
                skipSpaces()
                guard current != nil else { break }
                if keyword == "FETCH", let number, values.isEmpty {
                    values.append(try fetchAttributes(sequenceNumber: number))
                } else {
                    values.append(try value(depth: 0, route: nil))
                }
            }
            return .data(number: number, keyword: keyword, values: values)
        } catch {
            guard case .grammar(let reason) = error else { throw error }
            let located = "\(reason) at byte \(offset + index)"
            try skipRestOfResponse()
            return .malformed(number: number, keyword: keyword, reason: located)
        }
    }

    /// `(name value name value ...)` of a FETCH response; item literals may be routed.
    private mutating func fetchAttributes(sequenceNumber: UInt64) throws(ScanError) -> IMAPValue {
        guard current == UInt8(ascii: "(") else { throw .grammar("FETCH data is not a list") }
        index += 1
        var items: [IMAPValue] = []
        var uid: UInt32?
        while true {
            skipSpaces()
            if current == UInt8(ascii: ")") {
                index += 1
                return .list(items)
            }
            let name = try atom()
            skipSpaces()
            items.append(.atom(name))
            let value = try value(depth: 1, route: LiteralRoute(sequenceNumber: sequenceNumber, uid: uid, item: name, count: 0))
            if name.uppercased() == "UID", let number = value.number { uid = UInt32(exactly: number) }
            items.append(value)
        }
    }

    /// `[SP] ["[" code "]"] [SP] text` to the end of the line. A `[` without `]` is plain text.
    private mutating func statusText() -> IMAPStatusText {
        if current == 0x20 { index += 1 }
        var code: String?
        if current == UInt8(ascii: "["), let close = line[index...].firstIndex(of: UInt8(ascii: "]")) {
            code = String(decoding: line[(index + 1)..<close].map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") },
                          as: UTF8.self)
            index = close + 1
            if current == 0x20 { index += 1 }
        }
        let text = ConnectorError.sanitize(line[index...])
        index = line.count
        return IMAPStatusText(code: code, text: text)
    }

    private mutating func value(depth: Int, route: LiteralRoute?) throws(ScanError) -> IMAPValue {
        switch current {
        case UInt8(ascii: "("):
            guard depth < limits.maxDepth else { throw .grammar("lists nested deeper than \(limits.maxDepth)") }
            index += 1
            var items: [IMAPValue] = []
            while true {
                skipSpaces()
                switch current {
                case UInt8(ascii: ")"):
                    index += 1
                    return .list(items)
                case nil:
                    throw .grammar("unterminated list")
                default:
                    items.append(try value(depth: depth + 1, route: nil))
                }
            }
        case UInt8(ascii: "\""):
            return .string(try quoted())
        case UInt8(ascii: "{"):
            return try literal(route: route)
        case UInt8(ascii: "~") where index + 1 < line.count && line[index + 1] == UInt8(ascii: "{"):
            index += 1
            return try literal(route: route)
        case nil, 0x20, UInt8(ascii: ")"):
            throw .grammar("missing value")
        default:
            let word = try atom()
            if word.utf8.count == 3, word.uppercased() == "NIL" { return .nil }
            if word.utf8.count <= 19, word.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = UInt64(word) {
                return .number(number)
            }
            return .atom(word)
        }
    }

    private mutating func quoted() throws(ScanError) -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw .grammar("unterminated quoted string") }
            index += 1
            if byte == UInt8(ascii: "\"") { return out }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = current, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw .grammar("bad escape in quoted string")
                }
                out.append(escaped)
                index += 1
            } else {
                out.append(byte)
            }
        }
    }

    /// `{n}` (or `{n+}`) at the end of the line, then n bytes, then the response goes on with the
    /// next line. The caller has consumed a leading `~`.
    private mutating func literal(route: LiteralRoute?) throws(ScanError) -> IMAPValue {
        index += 1
        let start = index
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        guard index > start, index - start <= 10, let count = Int(String(decoding: line[start..<index], as: UTF8.self)) else {
            throw .grammar("bad literal length")
        }
        if current == UInt8(ascii: "+") { index += 1 }
        try expect(UInt8(ascii: "}"))
        guard current == nil else { throw .grammar("literal announcement not at the end of a line") }
        let value: IMAPValue
        if let route, let router, let sink = try Self.fatal({ () throws(ConnectorError) in
            try router(LiteralRoute(sequenceNumber: route.sequenceNumber, uid: route.uid, item: route.item, count: count))
        }) {
            try stream(count, to: sink)
            value = .streamed(count)
        } else {
            guard count <= limits.maxResponseBytes - held else {
                throw .fatal(.protocolViolation("literal of \(count) bytes exceeds the limit of \(limits.maxResponseBytes)"))
            }
            value = .string(try Self.fatal { () throws(ConnectorError) in try source.readBytes(count) })
            held += count
        }
        offset += count
        try nextLine()
        return value
    }

    private mutating func stream(_ count: Int, to sink: (any LiteralSink)?) throws(ScanError) {
        var remaining = count
        while remaining > 0 {
            let size = min(remaining, limits.streamChunkBytes)
            let chunk = try Self.fatal { () throws(ConnectorError) in try source.readBytes(size) }
            sink?.write(chunk)
            remaining -= size
        }
    }

    /// Skips what is left of a broken response: the rest of the line and, while lines end in a
    /// literal announcement, that literal and the following line.
    private mutating func skipRestOfResponse() throws(ScanError) {
        while let count = IMAPResponseParser.trailingLiteralCount(line[index...]) {
            guard count <= limits.maxResponseBytes - held else {
                throw .fatal(.protocolViolation("literal of \(count) bytes exceeds the limit of \(limits.maxResponseBytes)"))
            }
            try stream(count, to: nil)
            held += count
            offset += count
            try nextLine()
        }
        index = line.count
    }

    private mutating func nextLine() throws(ScanError) {
        offset += line.count
        line = try Self.fatal { () throws(ConnectorError) in try source.readLine(maxBytes: limits.maxLineBytes) }
        index = 0
        held += line.count + 2
        guard held <= limits.maxResponseBytes else {
            throw .fatal(.protocolViolation("response longer than \(limits.maxResponseBytes) bytes"))
        }
    }

    private mutating func number() throws(ScanError) -> UInt64 {
        let start = index
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        guard index - start <= 19, let value = UInt64(String(decoding: line[start..<index], as: UTF8.self)) else {
            throw .grammar("bad number")
        }
        return value
    }

    /// Atom characters, plus `]` and `\` (flags) and `*` `%` (wildcards, `\*`); a `[` takes
    /// everything up to its `]` with it, spaces and parentheses included (`BODY[HEADER.FIELDS (TO)]`).
    private mutating func atom() throws(ScanError) -> String {
        let start = index
        while let byte = current {
            if byte == UInt8(ascii: "[") {
                guard let close = line[index...].firstIndex(of: UInt8(ascii: "]")) else { throw .grammar("unterminated [") }
                index = close + 1
                continue
            }
            guard byte > 0x20, byte != 0x7F, byte != UInt8(ascii: "("), byte != UInt8(ascii: ")"),
                  byte != UInt8(ascii: "{"), byte != UInt8(ascii: "\"") else { break }
            index += 1
        }
        guard index > start else { throw .grammar("expected an atom") }
        return String(decoding: line[start..<index], as: UTF8.self)
    }

    private mutating func skipSpaces() {
        while current == 0x20 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(ScanError) {
        guard current == byte else { throw .grammar("expected '\(ConnectorError.sanitize([byte]))'") }
        index += 1
    }

    /// Runs a source operation, marking its errors as fatal.
    private static func fatal<T>(_ body: () throws(ConnectorError) -> T) throws(ScanError) -> T {
        do { return try body() } catch { throw .fatal(error) }
    }
}
