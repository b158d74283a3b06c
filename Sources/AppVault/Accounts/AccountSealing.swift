import VaultCrypto

/// Seals an account's app password under the account's own subkey, bound to its id,
/// generation, address and servers (DESIGN.md rule 3).
///
/// Plaintext layout: 32-byte binding hash || secret. A sealed secret moved to another account
/// fails authentication (other subkey); one that no longer matches its account's generation or
/// servers fails the binding. The record lives beside the account's, keyed by the same key.
enum AccountSealing {
    static let bindingBytes = 32

    static func binding(for account: StoredAccount, key: borrowing SecureBytes) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-account-secret-v2")
        writer.append(account.accountID)
        writer.append(account.record.generation)
        writer.append(account.record.name)
        writer.append(account.record.email)
        writer.append(account.record.imap.description)
        writer.append(account.record.smtp.description)
        return KeyedHash.hash(writer.bytes, key: key)
    }

    /// The secret record for `account` (its current generation) holding `secret`.
    static func seal(_ secret: borrowing SecureBytes, for account: StoredAccount, keys: borrowing KeyRing) throws(VaultError) -> StoredRecord {
        do {
            let key = try keys.accountKey(account.accountID)
            let bound = binding(for: account, key: key)
            var plaintext = try SecureBytes(zeroedCount: bindingBytes + secret.count)
            plaintext.withUnsafeMutableBytes { out in
                out.copyBytes(from: bound)
                secret.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[bindingBytes...]).copyMemory(from: $0) }
            }
            return StoredRecord(kind: .accountSecret, key: account.key, ref: account.key,
                                body: try SecretBox.seal(plaintext, key: key))
        } catch { throw .crypto(error.description) }
    }

    /// Opens `account`'s secret from the ledger, checking it belongs to the account as it is now.
    static func open(for account: StoredAccount, in ledger: Ledger) throws(VaultError) -> SecureBytes {
        guard let stored = try ledger.record(.accountSecret, key: account.key) else {
            throw account.record.status == .revoked ? .accountRevoked(account.record.name)
                : .tampered("account '\(account.record.name)' has no stored password")
        }
        let key: SecureBytes
        do { key = try ledger.keys.ring.accountKey(account.accountID) } catch { throw .crypto(error.description) }
        let plaintext: SecureBytes
        do { plaintext = try SecretBox.open(stored.body, key: key) } catch {
            throw .tampered("the password of account '\(account.record.name)' failed authentication (altered, or moved from another account)")
        }
        let expected = binding(for: account, key: key)
        let matches = plaintext.withUnsafeBytes { bytes in
            bytes.count >= bindingBytes && KeyedHash.constantTimeEquals(Array(bytes[0..<bindingBytes]), expected)
        }
        guard matches else {
            throw .tampered("the password of account '\(account.record.name)' belongs to another generation or other servers")
        }
        return plaintext.droppingFirst(bindingBytes)
    }
}
