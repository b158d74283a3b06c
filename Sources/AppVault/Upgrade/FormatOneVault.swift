import Foundation
import GRDB
import VaultCrypto

/// A vault of format 1 (appvault 0.1), read so it can be converted (`appvault upgrade`).
///
/// Format 1 kept account metadata, leases and the audit log in clear and bound each sealed
/// password to its row; it had the same key layers, so its vault key carries over unchanged.
struct FormatOneVault {
    struct Account {
        var oldID: Int64
        var record: AccountRecord
        var sealed: [UInt8]?
    }

    var vaultID: [UInt8]
    var credentialKind: MasterCredential.Kind
    var kdf: KDFParameters
    var salt: [UInt8]
    var wrappedVaultKey: [UInt8]
    var createdAt: Date
    var storedMAC: [UInt8]
    var accounts: [Account]
    var audit: [(sequence: Int64, milliseconds: Int64, event: String, account: String?, lease: String?, actor: String,
                 detail: String, mac: [UInt8])]
    var auditHead: (sequence: Int64, mac: [UInt8])

    /// Reads the file at `path` (read-only), after the same file checks as any vault.
    static func read(path: String) throws(VaultError) -> FormatOneVault {
        try FileSafety.checkVaultFile(path)
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                guard try Int.fetchOne(db, sql: "PRAGMA user_version") == 1,
                      try Int32.fetchOne(db, sql: "PRAGMA application_id") == SQLiteSchema.applicationID
                else { throw VaultError.invalidInput("\(path) is not a format-1 appvault vault") }
                guard let header = try Row.fetchOne(db, sql: "SELECT * FROM vault_header WHERE id = 1"),
                      let kind = MasterCredential.Kind(rawValue: try header.required("credential_kind"))
                else { throw VaultError.tampered("the format-1 header is missing or unreadable") }
                var vault = FormatOneVault(
                    vaultID: try header.blob("vault_id"), credentialKind: kind,
                    kdf: KDFParameters(opsLimit: UInt64(max(0, try header.required("kdf_ops_limit", as: Int64.self))),
                                       memLimit: UInt64(max(0, try header.required("kdf_mem_limit", as: Int64.self)))),
                    salt: try header.blob("kdf_salt"), wrappedVaultKey: try header.blob("wrapped_vault_key"),
                    createdAt: Date(timeIntervalSince1970: try header.required("created_at")),
                    storedMAC: try header.blob("header_mac"), accounts: [], audit: [], auditHead: (0, AuditChain.genesis))
                guard KeyedHash.constantTimeEquals(vault.checksum, try header.blob("header_checksum")) else {
                    throw VaultError.tampered("the format-1 header does not match its checksum")
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY id") {
                    vault.accounts.append(try account(row))
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq") {
                    vault.audit.append((try row.required("seq"), StoredTime.milliseconds(try row.required("at")) ?? 0,
                                        try row.required("event"), try row.optional("account"), try row.optional("lease_id"),
                                        try row.required("actor"), try row.required("detail"), try row.blob("mac")))
                }
                if let head = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit_head WHERE id = 1") {
                    vault.auditHead = (try head.required("seq"), try head.blob("mac"))
                }
                return vault
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw SQLiteErrors.map(error)
        }
    }

    private static func account(_ row: Row) throws -> Account {
        func endpoint(_ prefix: String) throws -> ServerEndpoint {
            guard let security = TransportSecurity(rawValue: try row.required("\(prefix)_security")) else {
                throw VaultError.tampered("a format-1 account has an unknown security mode")
            }
            return try ServerEndpoint(host: row.required("\(prefix)_host"), port: row.required("\(prefix)_port"), security: security)
        }
        guard let status = AccountStatus(rawValue: try row.required("status")) else {
            throw VaultError.tampered("a format-1 account has an unknown status")
        }
        func date(_ column: String) throws -> Date? { try row.optional(column, as: Double.self).map(Date.init(timeIntervalSince1970:)) }
        let record = AccountRecord(
            id: "", name: try row.required("name"), email: try row.required("email"), provider: try row.required("provider"),
            imap: try endpoint("imap"), smtp: try endpoint("smtp"),
            dailyDownloadLimitBytes: try row.required("daily_download_limit"), dailyUploadLimitBytes: try row.required("daily_upload_limit"),
            status: status, generation: try row.required("generation"), fingerprint: try row.optional("fingerprint"),
            createdAt: try date("created_at") ?? Date(timeIntervalSince1970: 0), rotatedAt: try date("rotated_at"),
            revokedAt: try date("revoked_at"), checkedAt: try date("checked_at"))
        return Account(oldID: try row.required("id"), record: record, sealed: try row.optionalBlob("sealed_secret"))
    }

    /// The format-1 header's canonical bytes (checksum and MAC input).
    private var canonicalBytes: [UInt8] {
        var writer = ByteWriter(domain: "appvault-header-v1")
        writer.append(1)
        writer.append(vaultID)
        writer.append(credentialKind.rawValue)
        writer.append(kdf.opsLimit)
        writer.append(kdf.memLimit)
        writer.append(salt)
        writer.append(wrappedVaultKey)
        writer.append(createdAt)
        return writer.bytes
    }

    /// Format 1's checksum: BLAKE2b keyed with 32 zero bytes.
    private var checksum: [UInt8] {
        guard let zero = try? SecureBytes(zeroedCount: 32) else { return [] }
        return KeyedHash.hash(canonicalBytes, key: zero)
    }

    /// Unlocks with `credential`: the vault key, after checking the header MAC.
    func unlock(with credential: consuming MasterCredential) throws(VaultError) -> Vault.KeyBox {
        guard credential.kind == credentialKind else { throw .invalidInput("this vault is unlocked with a \(credentialKind.rawValue)") }
        let master = try MasterKey.derive(from: credential, salt: salt, parameters: kdf)
        let box: Vault.KeyBox
        do {
            box = Vault.KeyBox(try KeyRing(vaultKey: try SecretBox.open(wrappedVaultKey, key: master)))
        } catch CryptoError.authenticationFailed { throw .wrongCredential } catch { throw .crypto(error.description) }
        guard KeyedHash.constantTimeEquals(KeyedHash.hash(canonicalBytes, key: box.ring.headerKey), storedMAC) else {
            throw .tampered("the format-1 header's MAC does not match")
        }
        return box
    }

    /// Checks the format-1 audit chain and its head; returns the problems found.
    func auditProblems(keys: borrowing KeyRing) -> [String] {
        var previous = AuditChain.genesis
        var expected: Int64 = 1
        for entry in audit {
            var writer = ByteWriter(domain: "appvault-audit-v1")
            writer.append(entry.sequence)
            writer.append(previous)
            writer.append(entry.milliseconds)
            writer.append(entry.event)
            writer.append(entry.account)
            writer.append(entry.lease)
            writer.append(entry.actor)
            writer.append(entry.detail)
            guard entry.sequence == expected, KeyedHash.constantTimeEquals(KeyedHash.hash(writer.bytes, key: keys.auditKey), entry.mac) else {
                return ["format-1 audit record \(entry.sequence) does not match its chain"]
            }
            previous = entry.mac
            expected += 1
        }
        guard auditHead.sequence == expected - 1, KeyedHash.constantTimeEquals(auditHead.mac, previous) else {
            return ["the format-1 audit log does not end where its head says"]
        }
        return []
    }

    /// The app password of `account`, opened and checked against its format-1 binding.
    func secret(of account: Account, keys: borrowing KeyRing) throws(VaultError) -> SecureBytes? {
        guard let sealed = account.sealed else { return nil }
        let key: SecureBytes
        do { key = try KeyDerivation.subkey(from: keys.vaultKey, id: UInt64(bitPattern: account.oldID), context: "AVacct01") } catch {
            throw .crypto(error.description)
        }
        let plaintext: SecureBytes
        do { plaintext = try SecretBox.open(sealed, key: key) } catch {
            throw .tampered("the format-1 password of '\(account.record.name)' fails authentication")
        }
        var writer = ByteWriter(domain: "appvault-account-v1")
        writer.append(account.oldID)
        writer.append(account.record.generation)
        writer.append(account.record.name)
        writer.append(account.record.email)
        writer.append(account.record.imap.description)
        writer.append(account.record.smtp.description)
        let expected = KeyedHash.hash(writer.bytes, key: key)
        let matches = plaintext.withUnsafeBytes { $0.count >= 32 && KeyedHash.constantTimeEquals(Array($0[0..<32]), expected) }
        guard matches else { throw .tampered("the format-1 row of '\(account.record.name)' was changed outside appvault") }
        return plaintext.droppingFirst(32)
    }
}
