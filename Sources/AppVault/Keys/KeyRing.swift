import VaultCrypto

/// The unlocked vault key and the subkeys derived from it (DESIGN.md rule 3).
///
/// Lives only in guarded memory while the vault is unlocked; ``Vault/lock()`` destroys it.
struct KeyRing: ~Copyable {
    /// The random 32-byte vault key, wrapped in the header under the master key.
    let vaultKey: SecureBytes
    /// Keys the header MAC.
    let headerKey: SecureBytes
    /// Keys the audit log's hash chain.
    let auditKey: SecureBytes
    /// Keys the secret fingerprints shown by `list`.
    let fingerprintKey: SecureBytes

    private enum SubkeyID: UInt64 { case header = 1, audit = 2, fingerprint = 3 }

    init(vaultKey: consuming SecureBytes) throws(CryptoError) {
        let header = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.header.rawValue, context: "AVheader")
        let audit = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.audit.rawValue, context: "AVaudit_")
        let fingerprint = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.fingerprint.rawValue, context: "AVfinger")
        self.headerKey = header
        self.auditKey = audit
        self.fingerprintKey = fingerprint
        self.vaultKey = vaultKey
    }

    /// The key that seals account `accountID`'s secret; a row moved to another id cannot be opened.
    func accountKey(_ accountID: Int64) throws(CryptoError) -> SecureBytes {
        try KeyDerivation.subkey(from: vaultKey, id: UInt64(accountID), context: "AVacct01")
    }

    /// A short, non-reversible fingerprint of a secret: `3f2a-91c4-7b0e`.
    func fingerprint(of secret: borrowing SecureBytes) -> String {
        let digest = secret.withUnsafeBytes { KeyedHash.hash($0, key: fingerprintKey, length: 16) }
        let hex = digest.prefix(6).map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
