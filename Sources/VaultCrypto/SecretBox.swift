internal import CSodium

/// Authenticated encryption with XSalsa20-Poly1305 (`crypto_secretbox_easy`).
///
/// ``seal(_:key:)`` draws a fresh random 24-byte nonce for every call and returns
/// `nonce || MAC || ciphertext`; ``open(_:key:)`` reverses it into guarded memory.
public enum SecretBox {
    /// Key size in bytes (32).
    public static var keyBytes: Int { Int(crypto_secretbox_keybytes()) }
    /// Nonce size in bytes (24).
    public static var nonceBytes: Int { Int(crypto_secretbox_noncebytes()) }
    /// Authentication tag size in bytes (16).
    public static var macBytes: Int { Int(crypto_secretbox_macbytes()) }

    /// Encrypts `plaintext` under `key` with a fresh random nonce.
    public static func seal(
        _ plaintext: borrowing SecureBytes, key: borrowing SecureBytes
    ) throws(CryptoError) -> [UInt8] {
        try plaintext.withUnsafeBytes { (message) throws(CryptoError) -> [UInt8] in
            try seal(bytes: message, key: key)
        }
    }

    /// Encrypts raw `message` bytes under `key` with a fresh random nonce.
    public static func seal(
        bytes message: UnsafeRawBufferPointer, key: borrowing SecureBytes
    ) throws(CryptoError) -> [UInt8] {
        try seal(bytes: message, key: key, nonce: SecureRandom.bytes(nonceBytes))
    }

    /// Encrypts the bytes of an array (a plaintext that is confidential but not key material:
    /// ``openBytes(_:key:)`` reads it back) under `key` with a fresh random nonce.
    public static func seal(publicBytes message: [UInt8], key: borrowing SecureBytes) throws(CryptoError) -> [UInt8] {
        let nonce = SecureRandom.bytes(nonceBytes)
        var sealed: [UInt8] = []
        var failure: CryptoError?
        message.withUnsafeBytes { bytes in
            do throws(CryptoError) { sealed = try seal(bytes: bytes, key: key, nonce: nonce) } catch { failure = error }
        }
        if let failure { throw failure }
        return sealed
    }

    /// Encrypts with a caller-chosen nonce; only known-answer tests may fix the nonce.
    static func seal(
        bytes message: UnsafeRawBufferPointer, key: borrowing SecureBytes, nonce: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        Sodium.ensureInitialised()
        try checkKey(key)
        let nonceCount = nonceBytes
        guard nonce.count == nonceCount else {
            throw .invalidLength(what: "secretbox nonce", expected: nonceCount, actual: nonce.count)
        }
        var sealed = nonce + [UInt8](repeating: 0, count: macBytes + message.count)
        sealed.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            key.withUnsafeBytes { keyBytes in
                _ = crypto_secretbox_easy(
                    base + nonceCount,
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(base),
                    UInt64(message.count),
                    base,
                    keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return sealed
    }

    /// Decrypts and authenticates `sealed` (`nonce || MAC || ciphertext`) into guarded memory.
    ///
    /// - Throws: ``CryptoError/authenticationFailed`` when the key is wrong or any byte changed.
    public static func open(_ sealed: [UInt8], key: borrowing SecureBytes) throws(CryptoError) -> SecureBytes {
        Sodium.ensureInitialised()
        try checkKey(key)
        let nonceCount = nonceBytes
        guard sealed.count >= nonceCount + macBytes else { throw .authenticationFailed }
        var plaintext = try SecureBytes(zeroedCount: sealed.count - nonceCount - macBytes)
        let status = sealed.withUnsafeBufferPointer { input in
            let base = input.baseAddress!
            return key.withUnsafeBytes { keyBytes in
                plaintext.withUnsafeMutableBytes { out in
                    crypto_secretbox_open_easy(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        base + nonceCount,
                        UInt64(input.count - nonceCount),
                        base,
                        keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        return plaintext
    }

    /// Decrypts and authenticates `sealed` into ordinary memory, for plaintexts that must stay
    /// confidential at rest but are not key material or passwords (account names, addresses,
    /// lease holders): a guarded allocation per record would cost more than the decryption.
    ///
    /// - Throws: ``CryptoError/authenticationFailed`` when the key is wrong or any byte changed.
    public static func openBytes(_ sealed: [UInt8], key: borrowing SecureBytes) throws(CryptoError) -> [UInt8] {
        Sodium.ensureInitialised()
        try checkKey(key)
        let nonceCount = nonceBytes
        let overhead = nonceCount + macBytes
        guard sealed.count >= overhead else { throw .authenticationFailed }
        var plaintext = [UInt8](repeating: 0, count: sealed.count - overhead)
        let status = sealed.withUnsafeBufferPointer { input in
            key.withUnsafeBytes { keyBytes in
                plaintext.withUnsafeMutableBufferPointer { out in
                    crypto_secretbox_open_easy(
                        out.baseAddress ?? UnsafeMutablePointer(mutating: input.baseAddress!),
                        input.baseAddress! + nonceCount,
                        UInt64(input.count - nonceCount),
                        input.baseAddress!,
                        keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        return plaintext
    }

    private static func checkKey(_ key: borrowing SecureBytes) throws(CryptoError) {
        guard key.count == keyBytes else {
            throw .invalidLength(what: "secretbox key", expected: keyBytes, actual: key.count)
        }
    }
}
