import Testing
import VaultCrypto
@testable import MailProxy

/// Base64 decoding into guarded memory (SASL responses).
@Suite("Base64 into guarded memory")
struct SecretBase64Tests {
    private func decode(_ text: String) -> [UInt8]? {
        guard let secret = try? SecretBase64.decode(Array(text.utf8)[...]) else { return nil }
        return secret.withUnsafeBytes { Array($0) }
    }

    @Test("RFC 4648 test vectors, padded and not", arguments: [
        ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"), ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"), ("Zg", "f"), ("Zm8", "fo"),
    ])
    func vectors(encoded: String, decoded: String) {
        #expect(decode(encoded) == Array(decoded.utf8))
    }

    @Test("invalid input is refused", arguments: ["Z", "Zg=", "Zg===", "Z===", "Zm9v!", "Zm 9v", "Zh==", "=Zm9", "Zg==Zg=="])
    func invalid(encoded: String) {
        #expect(decode(encoded) == nil)
    }
}
