import VaultCrypto

/// Seals an account's secret under its per-account subkey, bound to the account's id,
/// generation, name, address and servers (DESIGN.md rule 3).
///
/// Plaintext layout: 32-byte binding hash || secret. Moving a ciphertext to another row fails
/// authentication (other subkey); editing the row's settings or generation fails the binding.
enum AccountSealing {
    static let bindingBytes = 32

    static func binding(for account: AccountRecord, generation: Int64, key: borrowing SecureBytes) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-account-v1")
        writer.append(account.id)
        writer.append(generation)
        writer.append(account.name)
        writer.append(account.email)
        writer.append(account.imap.description)
        writer.append(account.smtp.description)
        return KeyedHash.hash(writer.bytes, key: key)
    }

    static func seal(
        _ secret: borrowing SecureBytes, for account: AccountRecord, generation: Int64, keys: borrowing KeyRing
    ) throws(VaultError) -> [UInt8] {
        do {
            let key = try keys.accountKey(account.id)
            let bound = binding(for: account, generation: generation, key: key)
            var plaintext = try SecureBytes(zeroedCount: bindingBytes + secret.count)
            plaintext.withUnsafeMutableBytes { out in
                out.copyBytes(from: bound)
                secret.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[bindingBytes...]).copyMemory(from: $0) }
            }
            return try SecretBox.seal(plaintext, key: key)
        } catch { throw .crypto(error.description) }
    }

    static func open(
        _ sealed: [UInt8], for account: AccountRecord, keys: borrowing KeyRing
    ) throws(VaultError) -> SecureBytes {
        let key: SecureBytes
        do { key = try keys.accountKey(account.id) } catch { throw .crypto(error.description) }
        let plaintext: SecureBytes
        do { plaintext = try SecretBox.open(sealed, key: key) } catch {
            throw .tampered("the secret of account '\(account.name)' failed authentication (altered, or moved from another row)")
        }
        let expected = binding(for: account, generation: account.generation, key: key)
        let matches = plaintext.withUnsafeBytes { bytes in
            bytes.count >= bindingBytes && KeyedHash.constantTimeEquals(Array(bytes[0..<bindingBytes]), expected)
        }
        guard matches else {
            throw .tampered("account '\(account.name)': its settings or generation were changed outside appvault")
        }
        return plaintext.droppingFirst(bindingBytes)
    }
}
