import VaultCrypto

/// The credentials a mail client presents to the agent's local endpoints instead of the app
/// password: a client token (`avt-ID-SECRET`) or a one-session lease password (`avl-ID-SECRET`).
///
/// ID is 16 hex digits (the token's or lease's public handle), SECRET 32 hex digits (128 random
/// bits). The vault stores only a keyed hash of the secret (credential subkey), so neither the
/// file nor a database dump reveals a usable credential, and a credential is useless to anyone
/// who cannot reach the agent's endpoints (loopback and Unix sockets only): unlike the app
/// password it does not work against the mail provider.
enum LocalCredential {
    enum Kind: UInt8 {
        case token = 1
        case lease = 2

        var prefix: String { self == .token ? "avt-" : "avl-" }
    }

    static let idBytes = 8
    static let secretBytes = 16
    /// `avt-` + 16 hex + `-` + 32 hex.
    static let textLength = 4 + idBytes * 2 + 1 + secretBytes * 2

    /// A new credential for `id`: returns its text (to show once, in guarded memory) and sets
    /// `hash` to the value to store.
    static func make(_ kind: Kind, id: [UInt8], keys: borrowing KeyRing, hash storedHash: inout [UInt8]) throws(VaultError) -> SecureBytes {
        do {
            let secret = try SecureBytes.random(count: secretBytes)
            var text = try SecureBytes(zeroedCount: textLength)
            let head = Array((kind.prefix + Hex.encode(id) + "-").utf8)
            text.withUnsafeMutableBytes { out in
                out.copyBytes(from: head)
                secret.withUnsafeBytes { bytes in
                    let digits = Array("0123456789abcdef".utf8)
                    for (index, byte) in bytes.enumerated() {
                        out[head.count + 2 * index] = digits[Int(byte >> 4)]
                        out[head.count + 2 * index + 1] = digits[Int(byte & 0x0F)]
                    }
                }
            }
            storedHash = hash(kind, id: id, secret: secret, keys: keys)
            return text
        } catch { throw .crypto(error.description) }
    }

    /// Reads a presented credential: its kind, id and the hash of its secret. Nil when it is not
    /// in the form above. The secret is decoded in guarded memory and never copied elsewhere.
    static func parse(_ presented: borrowing SecureBytes, keys: borrowing KeyRing) -> (kind: Kind, id: [UInt8], hash: [UInt8])? {
        guard presented.count == textLength else { return nil }
        let header: (kind: Kind, id: [UInt8])? = presented.withUnsafeBytes { bytes in
            let prefix = String(decoding: bytes[0..<4], as: UTF8.self)
            guard let kind = prefix == Kind.token.prefix ? Kind.token : prefix == Kind.lease.prefix ? Kind.lease : nil,
                  bytes[4 + idBytes * 2] == UInt8(ascii: "-"),
                  let id = Hex.decode(String(decoding: bytes[4..<(4 + idBytes * 2)], as: UTF8.self))
            else { return nil }
            return (kind, id)
        }
        guard let header, var secret = try? SecureBytes(zeroedCount: secretBytes) else { return nil }
        let valid = presented.withUnsafeBytes { bytes in
            secret.withUnsafeMutableBytes { out -> Bool in
                let start = 4 + idBytes * 2 + 1
                for index in 0..<secretBytes {
                    guard let high = nibble(bytes[start + 2 * index]), let low = nibble(bytes[start + 2 * index + 1]) else { return false }
                    out[index] = high << 4 | low
                }
                return true
            }
        }
        guard valid else { return nil }
        return (header.kind, header.id, hash(header.kind, id: header.id, secret: secret, keys: keys))
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func hash(_ kind: Kind, id: [UInt8], secret: borrowing SecureBytes, keys: borrowing KeyRing) -> [UInt8] {
        var prefix = ByteWriter(domain: "appvault-local-credential-v2")
        prefix.append(kind.rawValue)
        prefix.append(id)
        let head = prefix.bytes
        // The hash input holds the secret: build it in guarded memory.
        guard var input = try? SecureBytes(zeroedCount: head.count + secret.count) else { return [] }
        input.withUnsafeMutableBytes { out in
            out.copyBytes(from: head)
            secret.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[head.count...]).copyMemory(from: $0) }
        }
        return input.withUnsafeBytes { KeyedHash.hash($0, key: keys.credentialKey) }
    }
}
