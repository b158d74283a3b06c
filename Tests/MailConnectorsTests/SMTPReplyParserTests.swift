import Testing
@testable import MailConnectors

@Suite("SMTP replies and DATA encoding")
struct SMTPReplyParserTests {
    func read(_ text: String) throws -> SMTPReply {
        var source = MemorySource(text)
        return try SMTPReplyParser.read(from: &source, maxLineBytes: 512)
    }

    @Test("a multi-line EHLO reply keeps every line")
    func multiLine() throws {
        let reply = try read("250-localhost\r\n250-SIZE 33554432\r\n250-AUTH LOGIN PLAIN\r\n250 HELP\r\n")
        #expect(reply == SMTPReply(code: 250, lines: ["localhost", "SIZE 33554432", "AUTH LOGIN PLAIN", "HELP"]))
    }

    @Test("a bare code is a complete reply")
    func bareCode() throws {
        #expect(try read("354\r\n") == SMTPReply(code: 354, lines: [""]))
    }

    @Test("malformed replies are protocol violations",
          arguments: ["hello\r\n", "25 short\r\n", "250x bad\r\n", "250-a\r\n251 b\r\n", "999 nope\r\n", "\u{0}\u{ff}HELLO\r\n"])
    func malformed(_ text: String) {
        #expect(throws: ConnectorError.self) { try read(text) }
    }

    @Test("dot-stuffing doubles leading dots and normalises line endings")
    func dotStuffing() {
        let encoded = DotStuffing.encode(Array(".hello\nworld\r\n..x\rlast".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "..hello\r\nworld\r\n...x\r\nlast\r\n.\r\n")
    }

    @Test("a lone dot line cannot end the message early")
    func loneDot() {
        let encoded = DotStuffing.encode(Array("a\r\n.\r\nb\r\n".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "a\r\n..\r\nb\r\n.\r\n")
    }
}
