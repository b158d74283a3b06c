internal import CSodium

/// Subkeys derived from a master key with `crypto_kdf_derive_from_key` (BLAKE2b).
public enum KeyDerivation {
    /// The context string length libsodium requires (8 bytes).
    public static var contextBytes: Int { Int(crypto_kdf_contextbytes()) }

    /// Derives subkey number `id` in `context` (exactly 8 ASCII characters) from `key`.
    public static func subkey(
        from key: borrowing SecureBytes, id: UInt64, context: StaticString, length: Int = 32
    ) throws(CryptoError) -> SecureBytes {
        Sodium.ensureInitialised()
        precondition(context.utf8CodeUnitCount == contextBytes, "KDF context must be 8 bytes")
        guard key.count == Int(crypto_kdf_keybytes()) else {
            throw .invalidLength(what: "KDF master key", expected: Int(crypto_kdf_keybytes()), actual: key.count)
        }
        var subkey = try SecureBytes(zeroedCount: length)
        let status = key.withUnsafeBytes { master in
            subkey.withUnsafeMutableBytes { out in
                context.withUTF8Buffer { ctx in
                    ctx.withMemoryRebound(to: CChar.self) { ctxChars in
                        crypto_kdf_derive_from_key(
                            out.baseAddress!.assumingMemoryBound(to: UInt8.self), length, id,
                            ctxChars.baseAddress!,
                            master.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        guard status == 0 else {
            throw .invalidLength(what: "KDF subkey", expected: 32, actual: length)
        }
        return subkey
    }
}
