import Foundation
import Testing
@testable import MailConnectors

/// Parses `text` (CRLF line ends) into every response it holds.
func parseAll(_ text: String, maxResponseBytes: Int = 1 << 20, router: LiteralRouter? = nil) throws -> [IMAPResponse] {
    var source = MemorySource(text)
    let parser = IMAPResponseParser(maxLineBytes: 8192, maxResponseBytes: maxResponseBytes)
    var responses: [IMAPResponse] = []
    while !source.isEmpty { responses.append(try parser.read(from: &source, router: router)) }
    return responses
}

/// The summaries of the FETCH responses in `text`.
func summaries(_ text: String) throws -> ([MessageSummary], [MessageProblem]) {
    IMAPClient.collectSummaries(try parseAll(text), wanted: nil)
}

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

    @Test("literals may contain CRLF, parentheses and quotes, in any position")
    func literalContent() throws {
        let response = try parse("* 1 FETCH (BODY[] {9}\r\n(a\r\n\"b\")))\r\n")
        #expect(response == .data(number: 1, keyword: "FETCH", values: [.list([.atom("BODY[]"), .string(Array("(a\r\n\"b\"))".utf8))])]))
        // A mailbox name as a literal, a literal8, and a literal as a list element.
        #expect(try parse("* LIST () \"/\" {5}\r\nA\"b c\r\n") == .data(number: nil, keyword: "LIST", values: [
            .list([]), .string(Array("/".utf8)), .string(Array("A\"b c".utf8)),
        ]))
        #expect(try parse("* 4 FETCH (BINARY[1] ~{4}\r\na\u{0}\r\n UID 9)\r\n") == .data(number: 4, keyword: "FETCH", values: [
            .list([.atom("BINARY[1]"), .string([0x61, 0x00, 0x0D, 0x0A]), .atom("UID"), .number(9)]),
        ]))
        #expect(try parse("* X ({1}\r\na {2}\r\nbc)\r\n") == .data(number: nil, keyword: "X", values: [
            .list([.string([0x61]), .string([0x62, 0x63])]),
        ]))
    }

    @Test("section specifiers with spaces and parentheses stay one item name")
    func sectionNames() throws {
        let response = try parse("* 1 FETCH (UID 3 BODY[HEADER.FIELDS (FROM SUBJECT)] {4}\r\nab\r\n BODY[1.2]<0> \"x\")\r\n")
        #expect(response == .data(number: 1, keyword: "FETCH", values: [.list([
            .atom("UID"), .number(3), .atom("BODY[HEADER.FIELDS (FROM SUBJECT)]"), .string(Array("ab\r\n".utf8)),
            .atom("BODY[1.2]<0>"), .string([0x78]),
        ])]))
    }

    @Test("response codes are typed, unknown ones keep their arguments")
    func responseCodes() throws {
        let cases: [(String, IMAPResponseCode)] = [
            ("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", .uidValidity(3_857_529_045)),
            ("* OK [UIDNEXT 4392] Predicted next UID\r\n", .uidNext(4392)),
            ("* OK [UNSEEN 12] Message 12 is first unseen\r\n", .unseen(12)),
            ("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", .permanentFlags(["\\Deleted", "\\Seen", "\\*"])),
            ("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n", .highestModSeq(715_194_045_007)),
            ("* NO [ALERT] Your mailbox is almost full\r\n", .alert),
            ("A3 NO [OVERQUOTA] Quota exceeded\r\n", .overQuota),
            ("A1 OK [READ-ONLY] EXAMINE completed\r\n", .readOnly),
            ("A2 OK [READ-WRITE] SELECT completed\r\n", .readWrite),
            ("A4 OK [APPENDUID 38505 3955] APPEND completed\r\n", .appendUID(uidValidity: 38505, uid: 3955)),
            ("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n", .capability(["IMAP4REV1", "IDLE"])),
            ("* OK [X-FANCY 1 (a b)] what\r\n", .other(name: "X-FANCY", arguments: "1 (a b)")),
            ("* OK [THROTTLED] slow down\r\n", .other(name: "THROTTLED", arguments: nil)),
        ]
        for (line, code) in cases {
            switch try parse(line) {
            case .status(_, let text), .tagged(_, _, let text): #expect(text.responseCode == code, "\(line)")
            default: Issue.record("not a status response: \(line)")
            }
        }
        #expect(try parse("* BYE [UNAVAILABLE] Server shutting down\r\n")
            == .status(.bye, IMAPStatusText(code: "UNAVAILABLE", text: "Server shutting down")))
        // A "[" without "]" is text, not a broken code.
        #expect(try parse("* OK [no code here\r\n") == .status(.ok, IMAPStatusText(code: nil, text: "[no code here")))
    }

    @Test("the sample session of RFC 3501 §8 (verbatim) parses and decodes")
    func rfc3501Sample() throws {
        // Verbatim from RFC 3501 §8 (the FETCH is one line there, folded here for width only).
        let text = """
            * 172 EXISTS\r
            * 1 RECENT\r
            * OK [UNSEEN 12] Message 12 is first unseen\r
            * OK [UIDVALIDITY 3857529045] UIDs valid\r
            * OK [UIDNEXT 4392] Predicted next UID\r
            * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r
            * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r
            A142 OK [READ-WRITE] SELECT completed\r
            * 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r

            """
        let responses = try parseAll(text)
        #expect(responses.count == 9)
        let (found, problems) = IMAPClient.collectSummaries(responses, wanted: nil)
        #expect(problems.isEmpty)
        let message = try #require(found.first)
        #expect(message.sequenceNumber == 12 && message.size == 4286 && message.flags == ["\\Seen"])
        #expect(message.internalDate?.timeIntervalSince1970 == 837_596_665)
        #expect(message.subject == "IMAP4rev1 WG mtg summary and minutes")
        #expect(message.from == [MailAddress(name: "Terry Gray", address: "gray@cac.washington.edu")])
        #expect(message.envelope?.to == [MailAddress(name: nil, address: "imap@cac.washington.edu")])
        #expect(message.envelope?.cc == [MailAddress(name: nil, address: "minutes@CNRI.Reston.VA.US"),
                                         MailAddress(name: "John Klensin", address: "KLENSIN@MIT.EDU")])
        #expect(message.bodyStructure?.mimeType == "text/plain" && message.bodyStructure?.section == "1")
        #expect(message.bodyStructure?.charset == "US-ASCII" && message.bodyStructure?.lines == 92)
    }

    @Test("envelopes: many addresses, groups, NIL everywhere, escapes, literal subject and encoded words")
    func envelopes() throws {
        let text = "* 2 FETCH (UID 9 ENVELOPE (\"Thu, 26 Nov 2026 15:17:22 +0000\" {11}\r\nHi \"there\"! "
            + "((\"Al \\\"Q\\\" Ice\" NIL \"alice\" \"example.test\")) NIL NIL "
            + "((NIL NIL \"IETF-Announce\" NIL)(NIL NIL NIL NIL)(\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"joerg\" \"x.test\")"
            + "(NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x.test\")(NIL NIL \"b\" \"x.test\")(NIL NIL NIL NIL)) "
            + "((NIL NIL \"c1\" \"x.test\")(NIL NIL \"c2\" \"x.test\")(NIL NIL \"c3\" \"x.test\")) NIL NIL \"<id@x>\"))\r\n"
        let (found, problems) = try summaries(text)
        #expect(problems.isEmpty)
        let envelope = try #require(found.first?.envelope)
        #expect(found.first?.uid == 9)
        #expect(envelope.subject == "Hi \"there\"!")
        #expect(envelope.from == [MailAddress(name: "Al \"Q\" Ice", address: "alice@example.test")])
        #expect(envelope.sender.isEmpty && envelope.replyTo.isEmpty && envelope.bcc.isEmpty && envelope.inReplyTo == nil)
        #expect(envelope.groups == ["IETF-Announce", "team"])
        #expect(envelope.to == [
            MailAddress(name: "Jörg", address: "joerg@x.test"),
            MailAddress(name: nil, address: "a@x.test", group: "team"),
            MailAddress(name: nil, address: "b@x.test", group: "team"),
        ])
        #expect(envelope.cc.map(\.address) == ["c1@x.test", "c2@x.test", "c3@x.test"])
        #expect(envelope.messageID == "<id@x>")
        #expect(envelope.date?.timeIntervalSince1970 == 1_795_706_242)
        // An envelope of NILs is a valid, empty envelope.
        let (empty, none) = try summaries("* 1 FETCH (UID 1 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n")
        #expect(none.isEmpty && empty.first?.envelope == MessageEnvelope())
    }

    @Test("one odd message is reported and skipped; the listing goes on")
    func oddMessages() throws {
        let text = """
            * 1 FETCH (UID 11 ENVELOPE (NIL "first" NIL NIL NIL NIL NIL NIL NIL NIL))\r
            * 2 FETCH (UID 12 ENVELOPE (NIL "too short"))\r
            * 3 FETCH (UID 13 ENVELOPE (NIL "bad \\q escape" {3}\r
            abc NIL NIL NIL NIL NIL NIL NIL NIL))\r
            * 4 FETCH (UID 14 ENVELOPE (NIL "unbalanced" NIL NIL NIL NIL NIL NIL NIL NIL)\r
            * 5 FETCH (UID 15 ENVELOPE (NIL "fifth" (("x" NIL)) NIL NIL NIL NIL NIL NIL NIL))\r
            * 6 FETCH (UID 16 ENVELOPE (NIL "last" NIL NIL NIL NIL NIL NIL NIL NIL))\r

            """
        let (found, problems) = try summaries(text)
        #expect(found.map(\.subject) == ["first", "last"])
        #expect(problems.map(\.sequenceNumber) == [2, 3, 4, 5])
        #expect(problems.first?.uid == 12)
        #expect(problems.allSatisfy { !$0.reason.isEmpty })
    }

    @Test("unsolicited EXISTS, EXPUNGE, FETCH and VANISHED interleave with the answer")
    func unsolicited() throws {
        let text = """
            * 1 FETCH (UID 5 FLAGS (\\Seen))\r
            * 31 EXISTS\r
            * 2 FETCH (UID 6 RFC822.SIZE 120)\r
            * 3 EXPUNGE\r
            * VANISHED (EARLIER) 41,43:116,118\r
            * 2 FETCH (FLAGS (\\Flagged))\r
            * 7 FETCH (UID 99 FLAGS ())\r
            A9 OK FETCH done\r

            """
        let responses = try parseAll(text)
        #expect(responses.contains(.data(number: nil, keyword: "VANISHED", values: [.list([.atom("EARLIER")]), .atom("41,43:116,118")])))
        let (found, _) = IMAPClient.collectSummaries(responses, wanted: [5, 6])
        #expect(found.map(\.uid) == [5, 6])
        #expect(found[1].size == 120 && found[1].flags == ["\\Flagged"])
        #expect(UIDSet.count(of: "41,43:116,118") == 76)
    }

    @Test("a Gmail reply: X-GM items, labels and capabilities")
    func gmail() throws {
        // Written for these tests after Gmail's documented IMAP extensions.
        let text = """
            * CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584\r
            * LIST (\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"\r
            * 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Important "\\\\Inbox" "Bank statements") UID 4021 FLAGS (\\Seen) RFC822.SIZE 48213 ENVELOPE ("Mon, 2 Nov 2026 08:01:12 +0000" "=?UTF-8?B?S29udG9hdXN6dWcgTsO8cm5iZXJn?=" (("Meine Bank" NIL "noreply" "bank.example")) (("Meine Bank" NIL "noreply" "bank.example")) (("Meine Bank" NIL "noreply" "bank.example")) ((NIL NIL "me" "gmail.com")) NIL NIL NIL "<abc@bank.example>") BODYSTRUCTURE (("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 512 14 NIL NIL NIL)("application" "pdf" ("name" "Kontoauszug_2026-10.pdf") "<f_abc>" NIL "base64" 46000 NIL ("attachment" ("filename" "Kontoauszug_2026-10.pdf")) NIL) "mixed" ("boundary" "000000000000a1b2") NIL NIL))\r

            """
        let responses = try parseAll(text)
        guard case .data(nil, "LIST", let list) = responses[1] else { Issue.record("no LIST"); return }
        #expect(list[2].text == "[Gmail]/Sent Mail")
        let (found, problems) = IMAPClient.collectSummaries(responses, wanted: nil)
        #expect(problems.isEmpty)
        let message = try #require(found.first)
        #expect(message.uid == 4021 && message.subject == "Kontoauszug Nürnberg" && message.isSeen)
        #expect(message.attachments.map(\.fileName) == ["Kontoauszug_2026-10.pdf"])
        #expect(message.attachments.first?.section == "2" && message.attachments.first?.encoding == .base64)
        #expect(message.bodyStructure?.parameters["boundary"] == "000000000000a1b2")
    }

    @Test("an Outlook reply: extension data, a forwarded message without envelope, inline image")
    func outlook() throws {
        // Written for these tests in the shape Exchange Online answers.
        let text = "* 3 FETCH (UID 77 BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 2048 40 NIL NIL NIL NIL)"
            + "(\"image\" \"png\" (\"name\" \"image001.png\") \"<image001.png@01DA>\" \"image001.png\" \"base64\" 8000 NIL (\"inline\" (\"filename\" \"image001.png\" \"size\" \"5843\" \"creation-date\" \"Mon, 02 Nov 2026 08:00:00 GMT\")) NIL NIL)"
            + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 3456 NIL (\"attachment\" (\"filename\" \"Fwd.eml\")) NIL NIL)"
            + "(\"application\" \"vnd.openxmlformats-officedocument.spreadsheetml.sheet\" (\"name\" \"=?utf-8?B?w5xiZXJzaWNodC54bHN4?=\") NIL NIL \"base64\" 12000 NIL (\"attachment\" (\"filename\" \"=?utf-8?B?w5xiZXJzaWNodC54bHN4?=\")) NIL NIL)"
            + " \"mixed\" (\"boundary\" \"_004_\") NIL \"en-US\" NIL))\r\n"
        let (found, problems) = try summaries(text)
        #expect(problems.isEmpty)
        let attachments = try #require(found.first?.attachments)
        #expect(attachments.map(\.fileName) == ["image001.png", "Fwd.eml", "Übersicht.xlsx"])
        #expect(attachments.map(\.kind) == [.inline, .attachment, .attachment])
        #expect(attachments[1].isForwardedMessage && attachments[1].forwardedEnvelope == nil)
        #expect(found.first?.bodyStructure?.language == ["en-US"])
        #expect(found.first?.bodyStructure?.children[1].contentDescription == "image001.png")
    }

    @Test("a Dovecot reply: RFC 2231 continuations, nested multipart, forwarded message with envelope and body")
    func dovecot() throws {
        let text = "* 1 FETCH (UID 3 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)"
            + "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)(\"application\" \"zip\" NIL NIL NIL \"base64\" 400 NIL "
            + "(\"attachment\" (\"filename*0*\" \"utf-8''%E2%82%AC%20\" \"filename*1*\" \"rates%202026\" \"filename*2\" \".zip\")) NIL NIL) \"mixed\" (\"boundary\" \"b2\") NIL NIL NIL)"
            + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 900 (\"Tue, 3 Nov 2026 10:00:00 +0100\" \"Statement\" ((NIL NIL \"bank\" \"example.com\")) NIL NIL NIL NIL NIL NIL NIL) "
            + "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"s.pdf\") NIL NIL \"base64\" 300 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b3\") NIL NIL NIL) 30 NIL (\"attachment\" NIL) NIL NIL)"
            + " \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL X-EXTENSION (1 \"two\")))\r\n"
        let (found, problems) = try summaries(text)
        #expect(problems.isEmpty)
        let structure = try #require(found.first?.bodyStructure)
        #expect(structure.extensions == ["X-EXTENSION", "(1 \"two\")"])
        #expect(structure.part("2.2")?.fileName == "€ rates 2026.zip")
        let forwarded = try #require(structure.part("3"))
        #expect(forwarded.envelope?.subject == "Statement" && forwarded.children.first?.section == "3")
        #expect(structure.part("3.2")?.fileName == "s.pdf")
        #expect(found.first?.attachments.map(\.section) == ["2.2", "3", "3.2"])
        #expect(found.first?.attachments.last?.insideMessage == "3")
    }

    @Test("a Cyrus reply: MODSEQ, HIGHESTMODSEQ and a BYE with its reason")
    func cyrus() throws {
        // Written for these tests in the shape Cyrus IMAP answers.
        let text = """
            * OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE AUTH=PLAIN SASL-IR] mail.example.com Cyrus IMAP 3.4.3 server ready\r
            * 3 FETCH (UID 12 MODSEQ (1234) FLAGS (\\Seen))\r
            * OK [HIGHESTMODSEQ 1234] Ok\r
            * BYE Fatal error: Mailbox has been moved\r

            """
        let responses = try parseAll(text)
        #expect(responses.last == .status(.bye, IMAPStatusText(code: nil, text: "Fatal error: Mailbox has been moved")))
        #expect(IMAPClient.collectSummaries(responses, wanted: nil).0.first?.flags == ["\\Seen"])
    }

    @Test("a literal routed to a sink streams in chunks and is never held whole")
    func streaming() throws {
        final class Collect: LiteralSink {
            var chunks: [Int] = []
            var bytes: [UInt8] = []
            func write(_ chunk: [UInt8]) { chunks.append(chunk.count); bytes += chunk }
        }
        let sink = Collect()
        let body = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let head = Array("* 7 FETCH (UID 70 BODY[2] {\(body.count)}\r\n".utf8)
        var source = MemorySource(bytes: head + body + Array(")\r\n".utf8))
        // A response limit far below the literal's size: buffering it would fail.
        let small = IMAPResponseParser(maxLineBytes: 1024, maxResponseBytes: 4096)
        var asked: [String] = []
        let response = try small.read(from: &source) { route in
            asked.append("\(route.sequenceNumber) \(route.uid.map(String.init) ?? "-") \(route.item) \(route.count)")
            return sink
        }
        #expect(response == .data(number: 7, keyword: "FETCH", values: [.list([.atom("UID"), .number(70), .atom("BODY[2]"), .streamed(body.count)])]))
        #expect(asked == ["7 70 BODY[2] 300000"])
        #expect(sink.bytes == body && sink.chunks.allSatisfy { $0 <= 64 * 1024 })
        var again = MemorySource(bytes: head + body + Array(")\r\n".utf8))
        #expect(throws: ConnectorError.self) { try small.read(from: &again) }
    }

    @Test("malformed tagged and continuation input is a protocol violation, never a crash",
          arguments: [
              "A1 MAYBE done\r\n",                  // not OK/NO/BAD
              "* 1 FETCH (BODY {5}\r\nab)\r\n",      // literal longer than the data
              "\r\n",                               // empty line
              "* 1 FETCH (X {99999}\r\n",           // literal over the limit
              "A+ OK x\r\n",                        // bad tag
          ])
    func malformed(_ text: String) {
        #expect(throws: ConnectorError.self) { try parse(text) }
    }

    @Test("malformed untagged data becomes a skipped response", arguments: [
        "* 1 FETCH (UID 1\r\n", "* LIST () \"unterminated\r\n", "* LIST () \"bad \\x escape\"\r\n", "* 1 FETCH (UID 1 X ~{2)\r\n",
        "* X " + String(repeating: "(", count: 100) + String(repeating: ")", count: 100) + "\r\n",
    ])
    func skipped(_ text: String) throws {
        guard case .malformed = try parse(text) else {
            Issue.record("not reported as malformed: \(text)")
            return
        }
    }

    @Test("an overlong line is refused")
    func longLine() {
        let text = "* OK " + String(repeating: "x", count: 5000) + "\r\n"
        #expect(throws: ConnectorError.protocolViolation("line longer than 1024 bytes")) { try parse(text) }
    }

    @Test("white space between list items is tolerated, as real servers send it")
    func spacing() throws {
        #expect(try parse("* SEARCH 1  2 \r\n") == .data(number: nil, keyword: "SEARCH", values: [.number(1), .number(2)]))
        #expect(try parse("* X ((a)(b) c )\r\n") == .data(number: nil, keyword: "X", values: [
            .list([.list([.atom("a")]), .list([.atom("b")]), .atom("c")]),
        ]))
    }

    @Test("random bytes never crash the parser")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("* (){}~[]\"\\+0123456789 NILOKAFETCHBODY\r\n".utf8)
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 1...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            ParserFuzzing.imapResponses(bytes + [0x0D, 0x0A])
        }
    }
}

@Suite("modified UTF-7 mailbox names")
struct MailboxNameTests {
    @Test("RFC 3501 §5.1.3's example (verbatim) and round trips", arguments: [
        ("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語"),
        ("&-", "&"), ("Entw&APw-rfe", "Entwürfe"), ("INBOX", "INBOX"), ("&2D3eAA-", "😀"),
        ("[Gmail]/&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", "[Gmail]/Отправленные"),
    ])
    func roundTrip(_ encoded: String, _ decoded: String) {
        #expect(MailboxName.decode(encoded) == decoded)
        #expect(MailboxName.encode(decoded) == encoded)
    }

    @Test("invalid modified UTF-7 is not decoded", arguments: ["&Jjo!", "&U,BTFw", "&AGE-", "caf\u{E9}", "&2D0-"])
    func invalid(_ name: String) {
        #expect(MailboxName.decode(name) == nil)
    }
}
