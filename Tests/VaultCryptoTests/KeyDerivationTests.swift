import Testing
@testable import VaultCrypto

@Suite("Key derivation (crypto_kdf, Argon2id, keyed BLAKE2b)")
struct KeyDerivationTests {
    static func masterKey() throws -> SecureBytes {
        try SecureBytes(copying: (0..<32).map { UInt8($0) })
    }

    // libsodium test/default/kdf.exp: master key 00..1f, context "KDF test", 64-byte subkeys 0 and 1.
    @Test("crypto_kdf matches libsodium's published vectors")
    func kdfKnownAnswer() throws {
        let master = try Self.masterKey()
        let first = try KeyDerivation.subkey(from: master, id: 0, context: "KDF test", length: 64)
        let second = try KeyDerivation.subkey(from: master, id: 1, context: "KDF test", length: 64)
        let firstBytes = first.withUnsafeBytes { Array($0) }
        #expect(hexString(firstBytes) ==
            "a0c724404728c8bb95e5433eb6a9716171144d61efb23e74b873fcbeda51d8071b5d70aae12066dfc94ce943f145aa176c055040c3dd73b0a15e36254d450614")
        let secondBytes = second.withUnsafeBytes { Array($0) }
        #expect(hexString(secondBytes) ==
            "02507f144fa9bf19010bf7c70b235b4c2663cc00e074f929602a5e2c10a780757d2a3993d06debc378a90efdac196dd841817b977d67b786804f6d3cd585bab5")
        let short = try KeyDerivation.subkey(from: master, id: 16, context: "KDF test", length: 16)
        let shortBytes = short.withUnsafeBytes { Array($0) }
        #expect(hexString(shortBytes) == "a529216624ef9161e4cf117272aafff2")
    }

    struct Argon2Vector: Sendable {
        let password: String, salt: String, length: Int, opsLimit: UInt64, memLimit: UInt64, expected: String
    }

    // libsodium test/default/pwhash_argon2id.c, tv() cases 0 and 4, with the .exp outputs.
    static let argon2Vectors = [
        Argon2Vector(
            password: "a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae065577a928febd9b1973a5a95073acdbeb6a030cfc0d79caa2dc5cd011cef02c08da232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f58d220b20c60d7c07ec1fd93c52c31020300c6c1facd77937a597c7a6",
            salt: "5541fbc995d5c197ba290346d2c559de", length: 155, opsLimit: 5, memLimit: 7256678,
            expected: "18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac4461c6ca07f0939741e57c24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca27277393e316582033c74affe2566a2bea47f91f0fd9fe49ece7e1f79f3ad6e9b23e0277c8ecc4b313225748dd2a80f5679534a0700e246a79a49b3f74eb89ec6205fe1eeb941c73b1fcf1"),
        Argon2Vector(
            password: "4a857e2ee8aa9b6056f2424e84d24a72473378906ee04a46cb05311502d5250b82ad86b83c8f20a23dbb74f6da60b0b6ecffd67134d45946ac8ebfb3064294bc097d43ced68642bfb8bbbdd0f50b30118f5e",
            salt: "39d82eef32010b8b79cc5ba88ed539fb", length: 190, opsLimit: 3, memLimit: 1432947,
            expected: "08d8cd330c57e1b4643241d05bb468ba4ee4e932cd0858816be9ef15360b27bbd06a87130ee92222be267a29b81f5ae8fe8613324cfc4832dc49387fd0602f1c57b4d0f3855db94fb7e12eb05f9a484aed4a4307abf586cd3d55c809bc081541e00b682772fb2066504ff935b8ebc551a2083882f874bc0fae68e56848ae34c91097c3bf0cca8e75c0797eef3efde3f75e005815018db3cf7c109a812264c4de69dcb22322dbbcfa447f5b00ecd1b04a7be1569c8e556adb7bba48adf81d"),
    ]

    @Test("Argon2id matches libsodium's published vectors", arguments: argon2Vectors)
    func argon2idKnownAnswer(vector: Argon2Vector) throws {
        let passphrase = try SecureBytes(copying: hexBytes(vector.password))
        let key = try PasswordHash.deriveKey(
            length: vector.length, passphrase: passphrase, salt: hexBytes(vector.salt),
            parameters: KDFParameters(opsLimit: vector.opsLimit, memLimit: vector.memLimit))
        let keyBytes = key.withUnsafeBytes { Array($0) }
        #expect(hexString(keyBytes) == vector.expected)
    }

    @Test("Argon2id refuses a salt of the wrong size")
    func argon2idSaltSize() throws {
        let passphrase = try SecureBytes(copying: Array("pw".utf8))
        #expect(throws: CryptoError.invalidLength(what: "Argon2id salt", expected: 16, actual: 8)) {
            _ = try PasswordHash.deriveKey(length: 32, passphrase: passphrase, salt: Array("somesalt".utf8),
                                       parameters: KDFStrength.interactive.parameters)
        }
    }

    @Test("keyed BLAKE2b depends on the key and compares in constant time")
    func keyedHash() throws {
        let key = try SecureBytes.random(count: 32)
        let other = try SecureBytes.random(count: 32)
        let message = Array("account 1".utf8)
        let mac = KeyedHash.hash(message, key: key)
        #expect(mac.count == 32)
        #expect(KeyedHash.constantTimeEquals(mac, KeyedHash.hash(message, key: key)))
        #expect(!KeyedHash.constantTimeEquals(mac, KeyedHash.hash(message, key: other)))
        #expect(!KeyedHash.constantTimeEquals(mac, KeyedHash.hash(Array("account 2".utf8), key: key)))
    }
}
