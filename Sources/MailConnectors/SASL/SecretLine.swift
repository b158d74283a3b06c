internal import VaultCrypto

/// Protocol lines that carry a credential, assembled in guarded memory.
///
/// Each returned ``SecureBytes`` is zeroed when it goes out of scope; callers write it and drop
/// it. Logs show ``redacted`` instead.
enum SecretLine {
    /// What traces show in place of a line that carries a credential.
    static let redacted = "<credential redacted>"

    /// `prefix`, the base64 of `secret`, then CRLF.
    static func base64(prefix: [UInt8], _ secret: borrowing SecureBytes) throws -> SecureBytes {
        let encodedCount = Base64.encodedCount(secret.count)
        var line = try SecureBytes(zeroedCount: prefix.count + encodedCount + 2)
        line.withUnsafeMutableBytes { out in
            out.copyBytes(from: prefix)
            secret.withUnsafeBytes { Base64.encode($0, into: UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...])) }
            out[out.count - 2] = 0x0D
            out[out.count - 1] = 0x0A
        }
        return line
    }

    /// `prefix`, `secret` verbatim, `suffix`.
    static func raw(prefix: [UInt8], _ secret: borrowing SecureBytes, suffix: [UInt8]) throws -> SecureBytes {
        var line = try SecureBytes(zeroedCount: prefix.count + secret.count + suffix.count)
        line.withUnsafeMutableBytes { out in
            out.copyBytes(from: prefix)
            secret.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...]).copyMemory(from: source)
            }
            UnsafeMutableRawBufferPointer(rebasing: out[(prefix.count + secret.count)...]).copyBytes(from: suffix)
        }
        return line
    }
}
