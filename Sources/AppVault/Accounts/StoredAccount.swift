import Foundation
import VaultCrypto

/// An account as the vault stores it: the public ``AccountRecord`` plus its random id and its
/// record key (a keyed hash of its name).
struct StoredAccount {
    var record: AccountRecord
    var accountID: [UInt8]
    var key: [UInt8]

    /// The record key of the account called `name`.
    static func key(for name: String, keys: borrowing KeyRing) -> [UInt8] {
        keys.index("appvault-account-name-v2", Array(name.utf8))
    }

    /// The account called `name`, checked; nil when there is none.
    static func find(_ name: String, in ledger: Ledger) throws(VaultError) -> StoredAccount? {
        let key = key(for: name, keys: ledger.keys.ring)
        guard let stored = try ledger.record(.account, key: key) else { return nil }
        let account = try decode(stored, keys: ledger.keys.ring)
        guard account.record.name == name else { throw .tampered("account row for '\(name)' holds another account") }
        return account
    }

    /// The account called `name`, or ``VaultError/noSuchAccount(_:)``.
    static func require(_ name: String, in ledger: Ledger) throws(VaultError) -> StoredAccount {
        guard let account = try find(name, in: ledger) else { throw .noSuchAccount(name) }
        return account
    }

    static func decode(_ stored: StoredRecord, keys: borrowing KeyRing) throws(VaultError) -> StoredAccount {
        var reader = ByteReader(try SealedRecord.open(stored, keys: keys), what: "account record")
        let accountID = try reader.bytes("id")
        let name = try reader.string("name")
        let email = try reader.string("email")
        let provider = try reader.string("provider")
        let imap = try Self.endpoint(&reader, "imap")
        let smtp = try Self.endpoint(&reader, "smtp")
        let download = try reader.int64("download limit")
        let upload = try reader.int64("upload limit")
        guard let status = AccountStatus(rawValue: try reader.string("status")) else {
            throw .tampered("an account record has an unknown status")
        }
        let record = AccountRecord(
            id: Hex.encode(accountID), name: name, email: email, provider: provider, imap: imap, smtp: smtp,
            dailyDownloadLimitBytes: download, dailyUploadLimitBytes: upload, status: status,
            generation: try reader.int64("generation"), fingerprint: try reader.optionalString("fingerprint"),
            createdAt: try reader.date("created"), rotatedAt: try reader.optionalDate("rotated"),
            revokedAt: try reader.optionalDate("revoked"), checkedAt: try reader.optionalDate("checked"))
        try reader.finish()
        guard accountID.count == 16 else { throw .tampered("an account record has a malformed id") }
        return StoredAccount(record: record, accountID: accountID, key: stored.key)
    }

    private static func endpoint(_ reader: inout ByteReader, _ field: String) throws(VaultError) -> ServerEndpoint {
        let host = try reader.string("\(field) host")
        let port = try reader.int("\(field) port")
        guard let security = TransportSecurity(rawValue: try reader.string("\(field) security")) else {
            throw .tampered("an account record has an unknown \(field) security mode")
        }
        do { return try ServerEndpoint(host: host, port: port, security: security) } catch {
            throw .tampered("an account record has an invalid \(field) server")
        }
    }

    /// The sealed row for this account.
    func stored(keys: borrowing KeyRing) throws(VaultError) -> StoredRecord {
        var writer = ByteWriter()
        writer.append(accountID)
        writer.append(record.name)
        writer.append(record.email)
        writer.append(record.provider)
        for endpoint in [record.imap, record.smtp] {
            writer.append(endpoint.host)
            writer.append(endpoint.port)
            writer.append(endpoint.security.rawValue)
        }
        writer.append(record.dailyDownloadLimitBytes)
        writer.append(record.dailyUploadLimitBytes)
        writer.append(record.status.rawValue)
        writer.append(record.generation)
        writer.append(record.fingerprint)
        writer.append(record.createdAt)
        writer.append(record.rotatedAt)
        writer.append(record.revokedAt)
        writer.append(record.checkedAt)
        return StoredRecord(kind: .account, key: key, ref: nil,
                            body: try SealedRecord.seal(writer.bytes, kind: .account, key: key, keys: keys))
    }

    /// Buffers this account's row in `ledger`.
    func save(in ledger: Ledger) throws(VaultError) {
        try ledger.put(stored(keys: ledger.keys.ring))
    }
}
