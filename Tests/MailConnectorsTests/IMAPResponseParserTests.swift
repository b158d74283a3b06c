import Testing
@testable import MailConnectors

@Suite("IMAP response parser")
struct IMAPResponseParserTests {
    let parser = IMAPResponseParser(maxLineBytes: 1024, maxResponseBytes: 4096)

    func parse(_ text: String) throws -> IMAPResponse {
        var source = MemorySource(text)
        return try parser.read(from: &source)
    }

    @Test("a greeting's response code and text are split")
    func greeting() throws {
        let response = try parse("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] Dovecot ready.\r\n")
        #expect(response == .status(.ok, IMAPStatusText(code: "CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN", text: "Dovecot ready.")))
    }

    @Test("tagged completions carry tag, status and text")
    func tagged() throws {
        #expect(try parse("A7 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
            == .tagged(tag: "A7", status: .no, text: IMAPStatusText(code: "AUTHENTICATIONFAILED", text: "Authentication failed.")))
        #expect(try parse("A8 ok done\r\n") == .tagged(tag: "A8", status: .ok, text: IMAPStatusText(code: nil, text: "done")))
    }

    @Test("continuation requests are recognised with and without text")
    func continuation() throws {
        #expect(try parse("+ \r\n") == .continuation(""))
        #expect(try parse("+ Ready for literal\r\n") == .continuation("Ready for literal"))
    }

    @Test("numbered and keyword untagged data")
    func untaggedData() throws {
        #expect(try parse("* 23 EXISTS\r\n") == .data(number: 23, keyword: "EXISTS", values: []))
        #expect(try parse("* LIST (\\HasNoChildren \\Sent) \".\" \"Sent Items\"\r\n") == .data(number: nil, keyword: "LIST", values: [
            .list([.atom("\\HasNoChildren"), .atom("\\Sent")]), .string(Array(".".utf8)), .string(Array("Sent Items".utf8)),
        ]))
        #expect(try parse("* LIST () NIL INBOX\r\n") == .data(number: nil, keyword: "LIST", values: [.list([]), .nil, .atom("INBOX")]))
    }

    @Test("FETCH with literals, NIL, escapes and nested lists")
    func fetchEnvelope() throws {
        let text = "* 2 FETCH (UID 9 ENVELOPE (\"Thu, 26 Nov 2026 15:17:22 +0000\" {11}\r\nHi \"there\"! "
            + "((\"Al \\\"Q\\\" Ice\" NIL \"alice\" \"example.test\")) NIL NIL ((NIL NIL \"bob\" \"example.test\")) NIL NIL NIL \"<id@x>\"))\r\n"
        let response = try parse(text)
        guard case .data(2, "FETCH", let values) = response else {
            Issue.record("not a FETCH: \(response)")
            return
        }
        let summary = try EnvelopeDecoder.summary(sequenceNumber: 2, attributes: values)
        #expect(summary.uid == 9)
        #expect(summary.subject == "Hi \"there\"!")
        #expect(summary.from == [MailAddress(name: "Al \"Q\" Ice", address: "alice@example.test")])
        #expect(summary.messageID == "<id@x>")
        #expect(summary.date?.timeIntervalSince1970 == 1_795_706_242)
    }

    @Test("literals may contain CRLF, parentheses and quotes")
    func literalContent() throws {
        let response = try parse("* 1 FETCH (BODY {9}\r\n(a\r\n\"b\")))\r\n")
        #expect(response == .data(number: 1, keyword: "FETCH", values: [.list([.atom("BODY"), .string(Array("(a\r\n\"b\"))".utf8))])]))
    }

    @Test("malformed input is a protocol violation, never a crash",
          arguments: [
              "* 1 FETCH (UID 1\r\n",              // unbalanced list
              "* LIST () \"unterminated\r\n",       // unterminated quoted string
              "* LIST () \"bad \\x escape\"\r\n",   // bad escape
              "A1 MAYBE done\r\n",                  // not OK/NO/BAD
              "* 1 FETCH (BODY {5}\r\nab)\r\n",      // literal longer than the data
              "* SEARCH 1  2\r\n",                  // double space
              "\r\n",                               // empty line
              "* 1 FETCH (X {99999}\r\n",           // literal over the limit
              "* OK [unterminated code\r\n",
          ])
    func malformed(_ text: String) {
        #expect(throws: ConnectorError.self) { try parse(text) }
    }

    @Test("deeply nested lists are refused")
    func nesting() {
        let text = "* X " + String(repeating: "(", count: 100) + String(repeating: ")", count: 100) + "\r\n"
        #expect(throws: ConnectorError.self) { try parse(text) }
    }

    @Test("an overlong line is refused")
    func longLine() {
        let text = "* OK " + String(repeating: "x", count: 5000) + "\r\n"
        #expect(throws: ConnectorError.protocolViolation("line longer than 1024 bytes")) { try parse(text) }
    }

    @Test("random bytes never crash the parser")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("* (){}\"\\+0123456789 NILOKAFETCH\r\n".utf8)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 1...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var source = MemorySource(bytes: bytes + [0x0D, 0x0A])
            _ = try? parser.read(from: &source)
        }
    }
}
