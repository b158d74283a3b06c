/// IMAP framing of one direction (RFC 9051 §2.2): lines, and literals `{n}`, `{n+}`, `~{n}` whose
/// bytes are counted, not read. A boundary is the end of a line that announces no literal: the
/// end of a whole response (server) or command (client).
struct IMAPFraming: StreamFraming {
    /// Which side sends the stream.
    enum Sender {
        /// The mail server: responses. Notices an untagged `BYE`.
        case server
        /// The local client: commands. Notices `LOGOUT` and `COMPRESS` (after which the stream
        /// is compressed and can no longer be followed).
        case client
    }

    let sender: Sender
    private var scanner = LineScanner()
    private var literalLeft = 0
    private(set) var atBoundary = true
    private(set) var opaque = false
    /// The server sent an untagged `BYE`: it is closing, and says why itself.
    private(set) var sawBye = false
    /// The client sent `LOGOUT`.
    private(set) var sawLogout = false

    init(sender: Sender) { self.sender = sender }

    var senderIsLeaving: Bool { sawBye || sawLogout }
    var showsClientLeaving: Bool { sawLogout }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        var lastBoundary: Int?
        while offset < bytes.count {
            atBoundary = false
            if literalLeft > 0 {
                let count = min(literalLeft, bytes.count - offset)
                literalLeft -= count
                offset += count
                continue
            }
            guard let newline = scanner.scan(bytes, from: offset) else { break }
            offset = newline + 1
            if let literal = IMAPLiteral.announced(at: scanner.segmentEnd) {
                literalLeft = literal.count
                scanner.startSegment()
                continue
            }
            lineEnded()
            scanner.startLine()
            atBoundary = true
            lastBoundary = offset
        }
        return lastBoundary
    }

    private mutating func lineEnded() {
        switch sender {
        case .server:
            if scanner.headStarts(with: "* BYE") { sawBye = true }
        case .client:
            let words = scanner.head.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
            guard words.count >= 2 else { return }
            let verb = String(decoding: words[1], as: UTF8.self).uppercased()
            let command = verb.hasSuffix("\r") ? String(verb.dropLast()) : verb
            if command == "LOGOUT" { sawLogout = true }
            if command == "COMPRESS" { opaque = true }
        }
    }
}
