import VaultCrypto

/// The unlocked vault key and the subkeys derived from it (DESIGN.md rule 3, docs/format.md).
///
/// Lives only in guarded memory while the vault is unlocked; ``Vault/lock()`` destroys it.
/// Each subkey has one job, so a MAC or hash made for one purpose can never pass as another.
struct KeyRing: ~Copyable {
    /// The random 32-byte vault key, wrapped in the header under the master key.
    let vaultKey: SecureBytes
    /// Keys the header MAC.
    let headerKey: SecureBytes
    /// Keys the audit log's hash chain.
    let auditKey: SecureBytes
    /// Keys the secret fingerprints shown by `list`.
    let fingerprintKey: SecureBytes
    /// Keys the lookup indexes: an account's record key is a keyed hash of its name, so the file
    /// does not reveal names and a thief cannot test guesses.
    let indexKey: SecureBytes
    /// Seals record bodies (account settings, leases, tokens, traffic, audit details).
    let recordKey: SecureBytes
    /// Keys the state row's MAC (the commitment to the integrity tree and the audit head).
    let stateKey: SecureBytes
    /// Keys the hashes of local credentials (client tokens, lease passwords).
    let credentialKey: SecureBytes
    /// Keys the rollback anchor kept outside the vault.
    let anchorKey: SecureBytes
    /// The root of the per-account keys that seal app passwords.
    private let secretsKey: SecureBytes

    private enum SubkeyID: UInt64 {
        case header = 1, audit = 2, fingerprint = 3, index = 4, record = 5, state = 6, credential = 7,
             anchor = 8, secrets = 9
    }

    init(vaultKey: consuming SecureBytes) throws(CryptoError) {
        let headerKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.header.rawValue, context: "AVheader")
        let auditKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.audit.rawValue, context: "AVaudit_")
        let fingerprintKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.fingerprint.rawValue, context: "AVfinger")
        let indexKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.index.rawValue, context: "AVindex_")
        let recordKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.record.rawValue, context: "AVrecord")
        let stateKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.state.rawValue, context: "AVstate_")
        let credentialKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.credential.rawValue, context: "AVcreden")
        let anchorKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.anchor.rawValue, context: "AVanchor")
        let secretsKeyValue = try KeyDerivation.subkey(from: vaultKey, id: SubkeyID.secrets.rawValue, context: "AVsecret")
        self.headerKey = headerKeyValue
        self.auditKey = auditKeyValue
        self.fingerprintKey = fingerprintKeyValue
        self.indexKey = indexKeyValue
        self.recordKey = recordKeyValue
        self.stateKey = stateKeyValue
        self.credentialKey = credentialKeyValue
        self.anchorKey = anchorKeyValue
        self.secretsKey = secretsKeyValue
        self.vaultKey = vaultKey
    }

    /// The key that seals the app password of the account with random id `accountID`; a
    /// sealed secret moved to another account cannot be opened.
    func accountKey(_ accountID: [UInt8]) throws(CryptoError) -> SecureBytes {
        var writer = ByteWriter(domain: "appvault-account-key-v2")
        writer.append(accountID)
        return try KeyedHash.secretHash(writer.bytes, key: secretsKey)
    }

    /// A keyed lookup value for `parts` under `domain` (16 bytes).
    func index(_ domain: String, _ parts: [UInt8]...) -> [UInt8] {
        var writer = ByteWriter(domain: domain)
        for part in parts { writer.append(part) }
        return KeyedHash.hash(writer.bytes, key: indexKey, length: 16)
    }

    /// A short, non-reversible fingerprint of a secret: `3f2a-91c4-7b0e`.
    func fingerprint(of secret: borrowing SecureBytes) -> String {
        let digest = secret.withUnsafeBytes { KeyedHash.hash($0, key: fingerprintKey, length: 16) }
        let hex = Hex.encode(Array(digest.prefix(6)))
        let characters = Array(hex)
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
