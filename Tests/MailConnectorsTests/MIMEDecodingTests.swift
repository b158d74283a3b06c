import Foundation
import Testing
@testable import MailConnectors

/// Bytes from hex digits.
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

@Suite("charsets through iconv")
struct CharsetTests {
    // The bytes are Python's `text.encode(charset)`.
    @Test("the charsets real mail uses decode", arguments: [
        ("utf-8", "4772c3bcc39f6520e29c93", "Grüße ✓"),
        ("iso-8859-2", "5a61bff3b3e6", "Zażółć"),
        ("windows-1250", "5a61bff3b3e6", "Zażółć"),
        ("windows-1251", "cff0e8e2e5f2", "Привет"),
        ("KOI8-R", "f0d2c9d7c5d4", "Привет"),
        ("koi8-u", "b7d6c1cb", "Їжак"),
        ("gb2312", "c4e3bac3", "你好"),
        ("GBK", "c4e3bac3", "你好"),
        ("gb18030", "c4e3bac3a2e3", "你好€"),
        ("big5", "a741a66e", "你好"),
        ("Shift_JIS", "82b182f182c982bf82cd", "こんにちは"),
        ("x-sjis", "82b182f182c982bf82cd", "こんにちは"),
        ("euc-jp", "a4b3a4f3a4cba4c1a4cf", "こんにちは"),
        ("iso-2022-jp", "1b244224332473244b2441244f1b2842", "こんにちは"),
        ("euc-kr", "bec8b3e7c7cfbcbcbfe4", "안녕하세요"),
        ("ks_c_5601-1987", "bec8b3e7", "안녕"),
        ("windows-1252", "8020636166e9", "€ café"),
        ("iso-8859-15", "a4", "€"),
        ("iso-8859-7", "cae1ebe7ecddf1e1", "Καλημέρα"),
        ("windows-1256", "e3d1cdc8c7", "مرحبا"),
        ("windows-1255", "f9ece5ed", "שלום"),
        ("iso-8859-9", "dd7374616e62756c", "İstanbul"),
        ("windows-1258", "5669eaf274", "Việt"),
        ("utf-7", "4869204d6f6d202d2b4a6a6f2d2d", "Hi Mom -☺-"),
        ("\"US-ASCII\"", "616263", "abc"),
    ])
    func decode(_ charset: String, _ hex: String, _ expected: String) {
        #expect(Charset.decode(hexBytes(hex), charset: charset) == expected)
    }

    @Test("unknown, hostile and 'unknown' labels are reported as unknown", arguments: [
        "x-no-such-charset", "unknown-8bit", "UTF-8//TRANSLIT", "../../../tmp/evil", "", String(repeating: "a", count: 100), "utf-8\u{0}",
    ])
    func unknown(_ label: String) {
        #expect(Charset.decode([0x61], charset: label) == nil)
        #expect(!Charset.isKnown(label))
    }

    @Test("invalid and truncated sequences become U+FFFD, never a failure")
    func invalid() {
        #expect(Charset.decode([0x61, 0xFF, 0x62], charset: "utf-8") == "a\u{FFFD}b")
        #expect(Charset.decode([0xC4, 0xE3, 0xBA], charset: "gb2312") == "你\u{FFFD}")
        #expect(Charset.decode([0x82], charset: "shift_jis") == "\u{FFFD}")
        #expect(Charset.decode([0x61, 0x81, 0x62], charset: "windows-1252")?.hasPrefix("a") == true)
    }
}

@Suite("transfer encodings and encoded words")
struct TransferDecodingTests {
    @Test("base64 decodes in any chunking like Foundation, skipping line breaks and junk")
    func base64() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 57, 1000, 70_001] {
            let data = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Array(Data(data).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]).utf8)
            var decoder = Base64Decoder()
            var output: [UInt8] = []
            var index = 0
            while index < encoded.count {
                let step = Int.random(in: 1...97, using: &generator)
                decoder.decode(encoded[index..<min(index + step, encoded.count)], into: &output)
                index += step
            }
            decoder.finish(into: &output)
            #expect(output == data, "size \(size)")
        }
        #expect(Base64Decoder.decode(Array("QU\nJD\r\n!!".utf8)) == Array("ABC".utf8))
        #expect(Base64Decoder.decode(Array("QQ==QUJD".utf8)) == Array("A".utf8))  // padding ends the data
    }

    @Test("quoted-printable decodes in any chunking: escapes, soft breaks, stray equals signs")
    func quotedPrintable() {
        let encoded = Array("caf=C3=A9 =3D ok=\r\nsame line=20\r\nnext =e2=82=ac and a stray = sign and =XY=\r\n= \r\nend=".utf8)
        let expected = Array("café = oksame line \r\nnext € and a stray = sign and =XY".utf8) + Array("end".utf8)
        #expect(QuotedPrintableDecoder.decode(encoded) == expected)
        for step in 1...9 {
            var decoder = QuotedPrintableDecoder()
            var output: [UInt8] = []
            for start in stride(from: 0, to: encoded.count, by: step) {
                decoder.decode(encoded[start..<min(start + step, encoded.count)], into: &output)
            }
            decoder.finish(into: &output)
            #expect(output == expected, "chunks of \(step)")
        }
        // The encoder's output decodes back.
        let text = "Grüße, \"Zürich\" = 100 %\n" + String(repeating: "x", count: 200) + " \ttrailing "
        #expect(String(decoding: QuotedPrintableDecoder.decode(Array(QuotedPrintable.encode(text).utf8)), as: UTF8.self)
            == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("RFC 2047 words: charsets, Q and B, joining adjacent words, language suffix, words inside text", arguments: [
        ("=?ISO-8859-1?B?S29udG9hdXN6dWcgZvxyIE3kcno=?=", "Kontoauszug für März"),
        ("=?UTF-8?Q?a?= =?UTF-8?Q?b?=\r\n =?UTF-8?Q?c?=", "abc"),
        ("=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        ("=?windows-1251?B?z/Do4uXy?= world", "Привет world"),
        ("Re:=?utf-8?q?_caf=c3=a9?=", "Re: café"),
        ("=?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
        ("=?utf-8?q?with space inside?=", "with space inside"),
        ("a =?utf-8?q?x?= b", "a x b"),
        ("=?utf-8?q?bad=ZZ?=", "bad=ZZ"),
        ("=?utf-8?x?what?=", "=?utf-8?x?what?="),
        ("plain\r\n folded", "plain folded"),
    ])
    func encodedWords(_ input: String, _ expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test("many unterminated words cost linear time")
    func unterminated() {
        let text = String(repeating: "=?utf-8?q?abc ", count: 20_000)
        let start = ContinuousClock.now
        #expect(EncodedWords.decode(text) == text)
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}

@Suite("MIME parameters, header blocks and multipart bodies")
struct MIMEStructureTests {
    func parameters(_ header: String) -> (String, [String: String]) {
        let (value, pairs) = MIMEParameters.split(Array(header.utf8))
        return (value, MIMEParameters.decode(pairs))
    }

    @Test("RFC 2231's examples (verbatim) decode")
    func rfc2231() {
        #expect(parameters("message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"").1["url"]
            == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        #expect(parameters("application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A").1["title"] == "This is ***fun***")
        // As printed in RFC 2231 §4.1, without the ";" between the parameters (a known erratum).
        #expect(parameters("application/x-stuff\r\n title*0*=us-ascii'en'This%20is%20even%20more%20\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n title*2=\"isn't it!\"").1["title"]
            == "This is even more ***fun*** isn't it!")
        #expect(parameters("application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"").1["title"]
            == "This is even more ***fun*** isn't it!")
    }

    @Test("real-world parameter shapes", arguments: [
        ("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf", "filename", "€ rates.pdf"),
        ("attachment; filename*=iso-8859-1''M%E4rz.pdf; filename=\"Maerz.pdf\"", "filename", "März.pdf"),
        ("attachment; filename=\"=?UTF-8?B?w5xiZXJzaWNodC5wZGY=?=\"", "filename", "Übersicht.pdf"),
        ("attachment; filename=report final.pdf", "filename", "report final.pdf"),
        ("attachment; filename=\"unterminated.pdf", "filename", "unterminated.pdf"),
        ("attachment; FILENAME=\"a\\\"b.pdf\" (comment)", "filename", "a\"b.pdf"),
        ("text/plain; charset = \"utf-8\" ; format=flowed", "charset", "utf-8"),
        ("attachment; filename*0=\"a\"; filename*2=\"c\"", "filename", "a"),
    ])
    func shapes(_ header: String, _ name: String, _ expected: String) {
        #expect(parameters(header).1[name] == expected)
    }

    @Test("a message with nested multiparts, a forward, preamble and epilogue parses with IMAP section numbers")
    func multipart() throws {
        let text = """
            From: "Bank, Statements" <noreply@bank.example>\r
            To: IETF-Announce:;, me@example.com\r
            Subject: =?UTF-8?Q?Kontoauszug_M=C3=A4rz?=\r
             2026\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            preamble\r
            --outer\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/plain; charset=iso-8859-1\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Gr=FC=DFe\r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>hi</p>\r
            --inner--\r
            --outer\r
            Content-Type: application/pdf; name="s.pdf"\r
            Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC.pdf\r
            Content-Transfer-Encoding: base64\r
            \r
            JVBERi0xLjQK\r
            --outer\r
            Content-Type: message/rfc822\r
            \r
            From: a@b.example\r
            Subject: inner\r
            \r
            body\r
            --outer--\r
            epilogue\r

            """
        let entity = MIMEEntity.parse(Array(text.utf8))
        #expect(entity.subject == "Kontoauszug März 2026")
        #expect(entity.from == [MailAddress(name: "Bank, Statements", address: "noreply@bank.example")])
        #expect(entity.envelope.groups == ["IETF-Announce"])
        #expect(entity.addresses("To") == [MailAddress(name: nil, address: "me@example.com")])
        #expect(entity.structure.children.map(\.mimeType) == ["multipart/alternative", "application/pdf", "message/rfc822"])
        #expect(entity.part("1.1")?.decodedText()?.text == "Grüße")
        #expect(entity.part("1.2")?.decodedText()?.text == "<p>hi</p>")
        #expect(entity.part("2")?.decodedBody() == Array("%PDF-1.4\n".utf8))
        #expect(entity.part("3")?.structure.envelope?.subject == "inner")
        #expect(entity.part("3.1")?.decodedText()?.text == "body")
        #expect(entity.structure.attachments.map(\.fileName) == ["€.pdf", nil])
        #expect(entity.structure.attachments.map(\.section) == ["2", "3"])
    }

    @Test("broken structure is read as mail readers do", arguments: [
        ("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nonly part, never closed", 1),
        ("Content-Type: multipart/mixed\r\n\r\nno boundary at all", 0),
        ("Content-Type: garbage\r\n\r\nbody", 0),
        ("no header at all\r\njust text", 0),
    ])
    func broken(_ text: String, _ parts: Int) {
        let entity = MIMEEntity.parse(Array(text.utf8))
        #expect(entity.parts.count == parts)
        #expect(entity.structure.isMultipart == (parts > 0))
    }

    @Test("nesting and part counts are bounded")
    func bounded() {
        var text = ""
        for level in 0..<200 { text += "Content-Type: multipart/mixed; boundary=b\(level)\r\n\r\n--b\(level)\r\n" }
        let entity = MIMEEntity.parse(Array(text.utf8))
        var depth = 0
        var current = entity
        while let child = current.parts.first { depth += 1; current = child }
        #expect(depth <= MIMEEntity.Limits().maximumDepth)
        let many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + String(repeating: "--b\r\n\r\nx\r\n", count: 30_000)
        #expect(MIMEEntity.parse(Array(many.utf8)).allParts.count <= MIMEEntity.Limits().maximumParts + 1)
    }
}

@Suite("safe file names")
struct SafeFileNameTests {
    @Test("hostile names become one safe component", arguments: [
        ("../../x", "x"), ("/etc/passwd", "passwd"), ("C:\\Windows\\win.ini", "win.ini"), ("a\u{0}b.pdf", "ab.pdf"),
        ("line\r\nbreak.txt", "linebreak.txt"), ("..", "attachment"), (".", "attachment"), ("", "attachment"),
        ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("com1.tar.gz", "_com1.tar.gz"), (".bashrc", "bashrc"),
        ("evil\u{202E}fdp.exe", "evilfdp.exe"), ("what?.pdf", "what_.pdf"), ("  spaced .pdf. ", "spaced .pdf"),
        ("Kontoauszug März.pdf", "Kontoauszug März.pdf"),
    ])
    func make(_ name: String, _ expected: String) {
        #expect(SafeFileName.make(name) == expected)
    }

    @Test("long names are cut to 255 bytes keeping the extension and whole characters")
    func long() {
        let name = SafeFileName.make(String(repeating: "ä", count: 10_000) + ".pdf")
        #expect(name.utf8.count <= 255 && name.hasSuffix(".pdf") && name.hasPrefix("ää"))
    }

    @Test("duplicates in a folder and in one run get numbered names")
    func unique() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("safe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/s.pdf", contents: Data())
        var taken: Set<String> = []
        let names = (0..<3).map { _ in SafeFileName.unique("s.pdf", in: folder, taken: &taken) }
        #expect(names == ["s (2).pdf", "s (3).pdf", "s (4).pdf"])
        #expect(SafeFileName.unique("S (2).PDF", in: folder, taken: &taken) == "S (2) (2).PDF")
    }

    @Test("the atomic writer never replaces a file and leaves nothing behind when dropped")
    func atomicWriter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try AtomicFileWriter(path: folder + "/a.bin")
        try writer.write([1, 2, 3])
        try writer.commit()
        #expect(FileManager.default.contents(atPath: folder + "/a.bin") == Data([1, 2, 3]))
        #expect(throws: ConnectorError.self) { try AtomicFileWriter(path: folder + "/a.bin") }
        let racing = try AtomicFileWriter(path: folder + "/b.bin")
        _ = FileManager.default.createFile(atPath: folder + "/b.bin", contents: Data([9]))
        #expect(throws: ConnectorError.self) { try racing.commit() }
        #expect(FileManager.default.contents(atPath: folder + "/b.bin") == Data([9]))
        do { let dropped = try AtomicFileWriter(path: folder + "/c.bin"); try dropped.write([1]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.bin", "b.bin"])
    }
}

@Suite("messages with attachments")
struct AttachmentMessageTests {
    @Test("a multipart message round-trips through the MIME parser: names, bytes, inline parts")
    func roundTrip() throws {
        let pdf = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let longName = "Kontoauszug " + String(repeating: "Überweisungsübersicht ", count: 5) + "€.pdf"
        let message = try MailMessage(
            from: "me@example.test", to: ["you@example.test"], subject: "Statement März", body: "See attached.\nGrüße",
            attachments: [
                try MailAttachment(fileName: longName, mimeType: "application/pdf", data: pdf),
                try MailAttachment(fileName: "logo.png", mimeType: "image/png", data: [0x89, 0x50], disposition: .inline, contentID: "logo@x"),
                try MailAttachment(fileName: "plain.txt", mimeType: "text/plain", data: Array("a\r\n.b".utf8)),
            ])
        let bytes = message.rfc5322()
        #expect(bytes.allSatisfy { $0 < 0x80 })
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.filter { $0.utf8.count > 78 } == [])
        let entity = MIMEEntity.parse(bytes)
        #expect(entity.subject == "Statement März")
        #expect(entity.part("1")?.decodedText()?.text == "See attached.\r\nGrüße")
        let attachments = entity.structure.attachments
        #expect(attachments.map(\.fileName) == [longName, "logo.png", "plain.txt"])
        #expect(attachments.map(\.kind) == [.attachment, .inline, .attachment])
        #expect(entity.part("2")?.decodedBody() == pdf)
        #expect(entity.part("4")?.decodedBody() == Array("a\r\n.b".utf8))
        #expect(entity.part("3")?.structure.contentID == "<logo@x>")
    }

    @Test("attachment names and types cannot inject header lines")
    func injection() {
        #expect(throws: ConnectorError.self) { try MailAttachment(fileName: "a\r\nBcc: x@y", data: []) }
        #expect(throws: ConnectorError.self) { try MailAttachment(fileName: "a", mimeType: "text/plain\r\nX: y", data: []) }
        #expect(throws: ConnectorError.self) { try MailAttachment(fileName: "a", data: [], contentID: "x>\r\n") }
        #expect(throws: ConnectorError.self) { try MailAttachment(fileName: "", data: []) }
    }

    @Test("a message without attachments is the same single text part as before")
    func plain() throws {
        let message = try MailMessage(from: "a@x.test", to: ["b@x.test"], subject: "s", body: "hi",
                                      date: Date(timeIntervalSince1970: 0), messageID: "<m@x>")
        #expect(String(decoding: message.rfc5322(), as: UTF8.self).hasSuffix(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhi"))
    }
}
