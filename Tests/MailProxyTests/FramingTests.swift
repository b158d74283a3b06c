import Testing
@testable import MailProxy

/// Following the server's (and client's) stream so the proxy knows where a response ends.
@Suite("Relay stream framing")
struct FramingTests {
    /// Feeds `text` in pieces of `piece` bytes; returns the last boundary each piece reported
    /// (as an offset in the whole text).
    private func boundaries(_ framing: inout some StreamFraming, _ text: String, piece: Int) -> [Int] {
        let bytes = Array(text.utf8)
        var found: [Int] = []
        for start in stride(from: 0, to: bytes.count, by: piece) {
            let end = min(bytes.count, start + piece)
            if let last = bytes[start..<end].withUnsafeBytes({ framing.consume($0) }) { found.append(start + last) }
        }
        return found
    }

    /// What ``boundaries(_:_:piece:)`` must report when the true boundaries are `all`.
    private func expected(_ all: [Int], length: Int, piece: Int) -> [Int] {
        stride(from: 0, to: length, by: piece).compactMap { start in all.last { $0 > start && $0 <= start + piece } }
    }

    @Test("IMAP responses: boundaries after whole lines, never inside literals", arguments: [1, 3, 7, 64, 4096])
    func imapLiterals(piece: Int) {
        let text = "* 1 FETCH (BODY[] {12}\r\nab\r\n{99}\r\n* X)\r\n"
            + "* 2 FETCH (BINARY[1] ~{5}\r\n12345 FLAGS (\\Seen))\r\n"
            + "A1 OK done\r\n+ idling\r\n"
        var framing = IMAPFraming(sender: .server)
        let found = boundaries(&framing, text, piece: piece)
        let first = text.utf8.count - "* 2 FETCH (BINARY[1] ~{5}\r\n12345 FLAGS (\\Seen))\r\nA1 OK done\r\n+ idling\r\n".utf8.count
        let second = first + "* 2 FETCH (BINARY[1] ~{5}\r\n12345 FLAGS (\\Seen))\r\n".utf8.count
        let third = second + "A1 OK done\r\n".utf8.count
        #expect(found == expected([first, second, third, text.utf8.count], length: text.utf8.count, piece: piece))
        #expect(framing.atBoundary && !framing.sawBye)
    }

    @Test("IMAP: mid-line and mid-literal are not boundaries; BYE is noticed")
    func imapState() {
        var framing = IMAPFraming(sender: .server)
        _ = Array("* 1 FETCH (BODY[] {100}\r\npartial".utf8).withUnsafeBytes { framing.consume($0) }
        #expect(!framing.atBoundary)
        var bye = IMAPFraming(sender: .server)
        _ = Array("* bye Logging out\r\n".utf8).withUnsafeBytes { bye.consume($0) }
        #expect(bye.atBoundary && bye.senderIsLeaving)
    }

    @Test("a literal announcing 2^70 bytes never ends (and does not trap)")
    func imapHugeLiteral() {
        var framing = IMAPFraming(sender: .server)
        let result = Array("* 1 FETCH (BODY[] {1180591620717411303424}\r\nxxxx\r\n".utf8).withUnsafeBytes { framing.consume($0) }
        #expect(result == nil && !framing.atBoundary)
    }

    @Test("IMAP client commands: LOGOUT noticed, COMPRESS makes the stream opaque, APPEND literal skipped")
    func imapClient() {
        var framing = IMAPFraming(sender: .client)
        _ = Array("a1 APPEND INBOX {10}\r\nb2 LOGOUT\r\n\r\n".utf8).withUnsafeBytes { framing.consume($0) }
        #expect(framing.atBoundary && !framing.sawLogout)
        _ = Array("c3 logout\r\n".utf8).withUnsafeBytes { framing.consume($0) }
        #expect(framing.sawLogout && !framing.opaque)
        _ = Array("d4 COMPRESS DEFLATE\r\n".utf8).withUnsafeBytes { framing.consume($0) }
        #expect(framing.opaque)
    }

    @Test("SMTP replies: a boundary after the last line of a multi-line reply", arguments: [1, 5, 4096])
    func smtp(piece: Int) {
        let text = "250-first\r\n250-second\r\n250 last\r\n354 go ahead\r\n250\r\n221 2.0.0 bye\r\n"
        var framing = SMTPFraming()
        let found = boundaries(&framing, text, piece: piece)
        let utf8 = Array(text.utf8)
        let ends = utf8.indices.filter { utf8[$0] == 0x0A }.map { $0 + 1 }
        #expect(found == expected([ends[2], ends[3], ends[4], ends[5]], length: utf8.count, piece: piece))
        #expect(framing.senderIsLeaving)
    }
}
