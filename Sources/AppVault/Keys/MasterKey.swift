import VaultCrypto

/// Turns a ``MasterCredential`` into the master key that wraps the vault key.
enum MasterKey {
    /// Derives the 32-byte master key: Argon2id for a passphrase, keyed BLAKE2b for a key file.
    static func derive(
        from credential: borrowing MasterCredential, salt: [UInt8], parameters: KDFParameters
    ) throws(VaultError) -> SecureBytes {
        do {
            switch credential.kind {
            case .passphrase:
                return try PasswordHash.deriveKey(
                    length: SecretBox.keyBytes, passphrase: credential.material, salt: salt, parameters: parameters)
            case .keyFile:
                let saltKey = try SecureBytes(copying: salt)
                return try credential.material.withUnsafeBytes { (contents) throws(CryptoError) -> SecureBytes in
                    try KeyedHash.secretHash(contents, key: saltKey, length: 32)
                }
            }
        } catch {
            throw .crypto(error.description)
        }
    }
}
