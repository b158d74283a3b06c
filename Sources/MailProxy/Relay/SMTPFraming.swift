/// SMTP reply framing (RFC 5321 §4.2.1): `250-more` lines continue a reply, `250 last` (or a bare
/// code) ends it. A boundary is the end of a whole reply.
struct SMTPFraming: StreamFraming {
    private var scanner = LineScanner()
    private(set) var atBoundary = true
    let opaque = false
    /// The server's last reply was 221 (after QUIT) or 421 (closing): it is closing, and says
    /// why itself.
    private(set) var sawClosingReply = false
    /// The server's last reply was 221: the client quit.
    private(set) var sawQuitReply = false

    var senderIsLeaving: Bool { sawClosingReply }
    var showsClientLeaving: Bool { sawQuitReply }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        var lastBoundary: Int?
        while offset < bytes.count {
            atBoundary = false
            guard let newline = scanner.scan(bytes, from: offset) else { break }
            offset = newline + 1
            let head = scanner.head
            let continues = head.count > 3 && head[3] == UInt8(ascii: "-")
            if !continues {
                sawQuitReply = scanner.headStarts(with: "221")
                sawClosingReply = sawQuitReply || scanner.headStarts(with: "421")
                atBoundary = true
                lastBoundary = offset
            }
            scanner.startLine()
        }
        return lastBoundary
    }
}
