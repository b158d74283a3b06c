import Testing
@testable import VaultCrypto

@Suite("SecretBox (XSalsa20-Poly1305)")
struct SecretBoxTests {
    // NaCl / libsodium test/default/secretbox.c: firstkey, nonce, the 131-byte message.
    static let key = hexBytes("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
    static let nonce = hexBytes("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
    static let message = hexBytes(
        "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705")
    static let expected = hexBytes(
        "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5")

    @Test("matches the NaCl known-answer vector")
    func knownAnswer() throws {
        let key = try SecureBytes(copying: Self.key)
        let sealed = try Self.message.withUnsafeBytes { try SecretBox.seal(bytes: $0, key: key, nonce: Self.nonce) }
        #expect(Array(sealed.prefix(24)) == Self.nonce)
        #expect(Array(sealed.dropFirst(24)) == Self.expected)
        let opened = try SecretBox.open(sealed, key: key)
        let openedBytes = opened.withUnsafeBytes { Array($0) }
        #expect(openedBytes == Self.message)
    }

    @Test("uses a fresh nonce for every seal")
    func freshNonces() throws {
        let key = try SecureBytes.random(count: SecretBox.keyBytes)
        let secret: [UInt8] = Array("abcdefghijklmnop".utf8)
        let first = try secret.withUnsafeBytes { try SecretBox.seal(bytes: $0, key: key) }
        let second = try secret.withUnsafeBytes { try SecretBox.seal(bytes: $0, key: key) }
        #expect(first.prefix(24) != second.prefix(24))
        #expect(first != second)
    }

    @Test("rejects any single flipped bit", arguments: [0, 23, 24, 39, 40, 55])
    func tamperedByteFails(position: Int) throws {
        let key = try SecureBytes.random(count: SecretBox.keyBytes)
        var sealed = try Array("abcdefghijklmnop".utf8).withUnsafeBytes { try SecretBox.seal(bytes: $0, key: key) }
        sealed[position] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed) { _ = try SecretBox.open(sealed, key: key) }
    }

    @Test("rejects the wrong key and truncated input")
    func wrongKeyAndTruncation() throws {
        let key = try SecureBytes.random(count: SecretBox.keyBytes)
        let other = try SecureBytes.random(count: SecretBox.keyBytes)
        let sealed = try Array("secret".utf8).withUnsafeBytes { try SecretBox.seal(bytes: $0, key: key) }
        #expect(throws: CryptoError.authenticationFailed) { _ = try SecretBox.open(sealed, key: other) }
        #expect(throws: CryptoError.authenticationFailed) { _ = try SecretBox.open(Array(sealed.prefix(39)), key: key) }
    }

    @Test("refuses a key of the wrong size")
    func wrongKeySize() throws {
        let short = try SecureBytes.random(count: 16)
        #expect(throws: CryptoError.invalidLength(what: "secretbox key", expected: 32, actual: 16)) {
            try [1, 2, 3].withUnsafeBytes { try SecretBox.seal(bytes: $0, key: short) }
        }
    }
}
