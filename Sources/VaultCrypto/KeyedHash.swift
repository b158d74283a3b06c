internal import CSodium

/// BLAKE2b keyed hashing (`crypto_generichash`), used as a MAC and for fingerprints.
public enum KeyedHash {
    /// Hashes `message` under `key` into `length` bytes (16...64).
    public static func hash(
        _ message: UnsafeRawBufferPointer, key: borrowing SecureBytes, length: Int = 32
    ) -> [UInt8] {
        Sodium.ensureInitialised()
        precondition(length >= Int(crypto_generichash_bytes_min()) && length <= Int(crypto_generichash_bytes_max()))
        var out = [UInt8](repeating: 0, count: length)
        key.withUnsafeBytes { keyBytes in
            out.withUnsafeMutableBufferPointer { buffer in
                _ = crypto_generichash(
                    buffer.baseAddress!, length,
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                    keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBytes.count)
            }
        }
        return out
    }

    /// Hashes `message` under `key` straight into guarded memory, for outputs that are keys.
    public static func secretHash(
        _ message: UnsafeRawBufferPointer, key: borrowing SecureBytes, length: Int = 32
    ) throws(CryptoError) -> SecureBytes {
        Sodium.ensureInitialised()
        precondition(length >= Int(crypto_generichash_bytes_min()) && length <= Int(crypto_generichash_bytes_max()))
        var out = try SecureBytes(zeroedCount: length)
        key.withUnsafeBytes { keyBytes in
            out.withUnsafeMutableBytes { buffer in
                _ = crypto_generichash(
                    buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), length,
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                    keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBytes.count)
            }
        }
        return out
    }

    /// Hashes a public array of bytes under `key` straight into guarded memory (a derived key).
    public static func secretHash(_ message: [UInt8], key: borrowing SecureBytes, length: Int = 32) throws(CryptoError) -> SecureBytes {
        var out = try SecureBytes(zeroedCount: length)
        Sodium.ensureInitialised()
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBytes { buffer in
                    _ = crypto_generichash(
                        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), length, input.baseAddress,
                        UInt64(input.count), keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBytes.count)
                }
            }
        }
        return out
    }

    /// Hashes an array of bytes under `key`.
    public static func hash(_ message: [UInt8], key: borrowing SecureBytes, length: Int = 32) -> [UInt8] {
        message.withUnsafeBytes { hash($0, key: key, length: length) }
    }

    /// Unkeyed BLAKE2b of `message` into `length` bytes (16...64): a collision-resistant digest,
    /// for values whose authenticity comes from elsewhere (a keyed MAC over a tree of digests).
    public static func digest(_ message: [UInt8], length: Int = 32) -> [UInt8] {
        Sodium.ensureInitialised()
        precondition(length >= Int(crypto_generichash_bytes_min()) && length <= Int(crypto_generichash_bytes_max()))
        var out = [UInt8](repeating: 0, count: length)
        message.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { buffer in
                _ = crypto_generichash(buffer.baseAddress!, length, input.baseAddress, UInt64(input.count), nil, 0)
            }
        }
        return out
    }

    /// Compares two MACs or hashes in constant time.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in sodium_memcmp(a.baseAddress!, b.baseAddress!, lhs.count) == 0 } }
    }
}
