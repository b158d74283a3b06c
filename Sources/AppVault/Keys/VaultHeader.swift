import Foundation
import GRDB
import VaultCrypto

/// The single header row: how to derive the master key and the wrapped vault key.
struct VaultHeader: Sendable {
    var formatVersion: Int
    var vaultID: [UInt8]
    var credentialKind: MasterCredential.Kind
    var kdf: KDFParameters
    var salt: [UInt8]
    var wrappedVaultKey: [UInt8]
    var createdAt: Date

    /// Upper bounds on stored KDF costs, so a doctored header cannot make unlock exhaust memory.
    static let maximumKDF = KDFParameters(opsLimit: 64, memLimit: 4 << 30)

    /// The bytes both the checksum and the MAC cover.
    var canonicalBytes: [UInt8] {
        var writer = ByteWriter(domain: "appvault-header-v1")
        writer.append(formatVersion)
        writer.append(vaultID)
        writer.append(credentialKind.rawValue)
        writer.append(kdf.opsLimit)
        writer.append(kdf.memLimit)
        writer.append(salt)
        writer.append(wrappedVaultKey)
        writer.append(StoredTime.milliseconds(createdAt.timeIntervalSince1970) ?? 0)
        return writer.bytes
    }

    /// An unkeyed BLAKE2b checksum: tells corruption from a wrong passphrase before any KDF runs.
    var checksum: [UInt8] {
        // An all-zero key makes keyed BLAKE2b a plain checksum; only integrity, not authenticity.
        let zeroKey = try! SecureBytes(zeroedCount: 32)
        return KeyedHash.hash(canonicalBytes, key: zeroKey)
    }

    /// The MAC under the header subkey: proves the header was written by a holder of the vault key.
    func mac(with keys: borrowing KeyRing) -> [UInt8] {
        KeyedHash.hash(canonicalBytes, key: keys.headerKey)
    }

    static func load(_ db: Database) throws(VaultError) -> (header: VaultHeader, checksum: [UInt8], mac: [UInt8]) {
        let row: Row?
        do { row = try Row.fetchOne(db, sql: "SELECT * FROM vault_header WHERE id = 1") } catch {
            throw StorageErrors.map(error)
        }
        guard let row else { throw .tampered("the vault header is missing") }
        let version: Int = try row.required("format_version")
        guard version == Schema.formatVersion else {
            throw .unsupportedFormat(found: version, supported: Schema.formatVersion)
        }
        guard let kind = MasterCredential.Kind(rawValue: try row.required("credential_kind", as: String.self)) else {
            throw .tampered("the vault header names an unknown credential kind")
        }
        let ops: Int64 = try row.required("kdf_ops_limit")
        let mem: Int64 = try row.required("kdf_mem_limit")
        let salt: Data = try row.required("kdf_salt")
        let wrapped: Data = try row.required("wrapped_vault_key")
        let vaultID: Data = try row.required("vault_id")
        let created: Double = try row.required("created_at")
        guard StoredTime.milliseconds(created) != nil else { throw .tampered("the vault header's creation time is impossible") }
        let checksum: Data = try row.required("header_checksum")
        let mac: Data = try row.required("header_mac")
        let header = VaultHeader(
            formatVersion: version, vaultID: Array(vaultID), credentialKind: kind,
            kdf: KDFParameters(opsLimit: UInt64(max(ops, 0)), memLimit: UInt64(max(mem, 0))),
            salt: Array(salt), wrappedVaultKey: Array(wrapped),
            createdAt: Date(timeIntervalSince1970: created))
        guard KeyedHash.constantTimeEquals(header.checksum, Array(checksum)) else {
            throw .tampered("the vault header does not match its checksum")
        }
        let minimum = PasswordHash.minimum
        guard header.salt.count == PasswordHash.saltBytes,
              kind == .keyFile || (header.kdf.opsLimit >= minimum.opsLimit && header.kdf.memLimit >= minimum.memLimit),
              header.kdf.opsLimit <= maximumKDF.opsLimit, header.kdf.memLimit <= maximumKDF.memLimit
        else { throw .tampered("the vault header's key-derivation parameters are out of range") }
        return (header, Array(checksum), Array(mac))
    }

    func save(_ db: Database, keys: borrowing KeyRing) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO vault_header
                (id, format_version, vault_id, credential_kind, kdf_ops_limit, kdf_mem_limit, kdf_salt,
                 wrapped_vault_key, created_at, header_checksum, header_mac)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [formatVersion, Data(vaultID), credentialKind.rawValue, Int64(kdf.opsLimit),
                        Int64(kdf.memLimit), Data(salt), Data(wrappedVaultKey),
                        Double(StoredTime.milliseconds(createdAt.timeIntervalSince1970) ?? 0) / 1000,
                        Data(checksum), Data(mac(with: keys))])
    }
}
