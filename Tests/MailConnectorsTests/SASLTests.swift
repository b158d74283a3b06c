import Testing
import VaultCrypto
@testable import MailConnectors

@Suite("SASL PLAIN and base64")
struct SASLTests {
    func plainBase64(_ user: String, _ password: String) throws -> String {
        let secret = try SecureBytes(copying: Array(password.utf8))
        let message = try SASLPlain.message(username: user, password: secret)
        let line = try SecretLine.base64(prefix: [], message)
        return line.withUnsafeBytes { String(decoding: $0.dropLast(2), as: UTF8.self) }
    }

    @Test("RFC 4616's example encodes as expected")
    func rfcExample() throws {
        #expect(try plainBase64("tim", "tanstaaftanstaaf") == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm")
    }

    @Test("the message is NUL user NUL password")
    func layout() throws {
        let secret = try SecureBytes(copying: Array("p w".utf8))
        let message = try SASLPlain.message(username: "u@x", password: secret)
        #expect(message.withUnsafeBytes { Array($0) } == [0] + Array("u@x".utf8) + [0] + Array("p w".utf8))
    }

    @Test("NUL bytes cannot be smuggled into the message")
    func nulRejected() throws {
        let secret = try SecureBytes(copying: [0x61, 0x00, 0x62])
        #expect(throws: ConnectorError.self) { _ = try SASLPlain.message(username: "u", password: secret) }
        let clean = try SecureBytes(copying: [0x61])
        #expect(throws: ConnectorError.self) { _ = try SASLPlain.message(username: "u\u{0}admin", password: clean) }
    }

    @Test("base64 matches RFC 4648's test vectors",
          arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func vectors(_ input: String, _ expected: String) {
        #expect(Base64.encode(Array(input.utf8)) == expected)
    }

    @Test("IMAP quoting escapes quotes and backslashes; 8-bit text needs a literal")
    func imapQuoting() {
        #expect(IMAPString.quoted(Array("a\"b\\c d".utf8)) == Array("\"a\\\"b\\\\c d\"".utf8))
        #expect(IMAPString.quotedCount(Array("a\"b\\c d".utf8)) == 11)
        #expect(IMAPString.isQuotable(Array("p@ss word!".utf8)))
        #expect(!IMAPString.isQuotable(Array("pässword".utf8)))
        #expect(!IMAPString.isQuotable(Array("a\r\nb".utf8)))
        #expect(IMAPString.literalHeader(8) == Array("{8}\r\n".utf8))
    }
}
