import Foundation
import Testing
@testable import MailConnectors

@Suite("RFC 2047 words and message building")
struct MIMETests {
    @Test("encoded-words decode", arguments: [
        ("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße"),
        ("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"),
        ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
        ("=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=", "ab"),
        ("x =?UTF-8?Q?a?= y", "x a y"),
        ("plain text", "plain text"),
        ("=?UTF-8?B?not base64!?=", "=?UTF-8?B?not base64!?="),
        ("=?KOI8-R?B?0KA=?=", "п═"),
        ("=?x-unknown-charset?Q?abc?=", "=?x-unknown-charset?Q?abc?="),
        ("=?UTF-8?Q?broken", "=?UTF-8?Q?broken"),
    ])
    func decode(_ input: String, _ expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test("ASCII subjects stay as they are; others round-trip through encoded-words of at most 75 characters")
    func encode() {
        #expect(EncodedWords.encode("Monthly statement") == "Monthly statement")
        let text = String(repeating: "Kontoauszug für März ✓ ", count: 6)
        let encoded = EncodedWords.encode(text)
        #expect(encoded.split(separator: "\r\n ").allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
        #expect(EncodedWords.decode(encoded) == text)
    }

    @Test("the message has the required headers and CRLF line endings")
    func message() throws {
        let message = try MailMessage(from: "alice@example.test", to: ["bob@example.test"], subject: "Grüße",
                                      body: "line 1\nline 2", date: Date(timeIntervalSince1970: 0), messageID: "<m@x>")
        let text = String(decoding: message.rfc5322(), as: UTF8.self)
        #expect(text.hasPrefix("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"))
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.contains("Message-ID: <m@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.hasSuffix("\r\n\r\nline 1\r\nline 2"))
    }

    @Test("non-ASCII bodies are quoted-printable")
    func quotedPrintable() throws {
        let message = try MailMessage(from: "a@x.test", to: ["b@x.test"], subject: "s", body: "café = ok")
        let text = String(decoding: message.rfc5322(), as: UTF8.self)
        #expect(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"))
        #expect(text.hasSuffix("caf=C3=A9 =3D ok"))
    }

    @Test("header injection through subject or addresses is refused")
    func injection() {
        #expect(throws: ConnectorError.self) {
            try MailMessage(from: "a@x.test", to: ["b@x.test"], subject: "hi\r\nBcc: evil@x.test", body: "")
        }
        #expect(throws: ConnectorError.self) {
            try MailMessage(from: "a@x.test>\r\nRCPT TO:<evil@x.test", to: ["b@x.test"], subject: "s", body: "")
        }
        #expect(throws: ConnectorError.self) { try MailMessage(from: "a@x.test", to: [], subject: "s", body: "") }
    }

    @Test("envelope dates parse with and without weekday and comments")
    func dates() {
        #expect(MailDate.parse("Thu, 1 Jan 1970 00:01:00 +0000")?.timeIntervalSince1970 == 60)
        #expect(MailDate.parse("1 Jan 1970 01:00:00 +0100 (CET)")?.timeIntervalSince1970 == 0)
        #expect(MailDate.parse("yesterday") == nil)
        // Found by FuzzIMAPResponses: this crashed Foundation's DateFormatter; it is no date.
        #expect(MailDate.parse("Th\u{5BA}\u{7C4}\u{FFFD}u,$52 Nov 2026 16:03:26 +0000") == nil)
        #expect(MailDate.parse(String(repeating: "1", count: 10_000)) == nil)
        #expect(MailDate.parse("17-Jul-1996 02:44:25 -0700")?.timeIntervalSince1970 == 837_596_665)
        #expect(MailDate.parse("Fri, 21 Nov 97 09:55:06 GMT")?.timeIntervalSince1970 == 880_106_106)
        #expect(MailDate.parse("Mon, 29 Feb 2016 10:00 EST")?.timeIntervalSince1970 == 1_456_758_000)
        #expect(MailDate.parse("32 Jan 2020 00:00:00 +0000") == nil)
        #expect(MailDate.searchDate(Date(timeIntervalSince1970: 837_596_665)) == "17-Jul-1996")
    }
}
