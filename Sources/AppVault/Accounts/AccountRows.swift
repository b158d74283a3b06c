import Foundation
import GRDB

/// Reads and writes account rows.
enum AccountRows {
    static func decode(_ row: Row) throws -> AccountRecord {
        func endpoint(_ prefix: String) throws -> ServerEndpoint {
            guard let security = TransportSecurity(rawValue: row["\(prefix)_security"]) else {
                throw VaultError.tampered("account row has an unknown security mode")
            }
            return try ServerEndpoint(host: row["\(prefix)_host"], port: row["\(prefix)_port"], security: security)
        }
        guard let status = AccountStatus(rawValue: row["status"]) else {
            throw VaultError.tampered("account row has an unknown status")
        }
        return AccountRecord(
            id: row["id"], name: row["name"], email: row["email"], provider: row["provider"],
            imap: try endpoint("imap"), smtp: try endpoint("smtp"),
            dailyDownloadLimitBytes: row["daily_download_limit"], dailyUploadLimitBytes: row["daily_upload_limit"],
            status: status, generation: row["generation"], fingerprint: row["fingerprint"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            rotatedAt: (row["rotated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            checkedAt: (row["checked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    static func find(_ name: String, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM accounts WHERE name = ?"), arguments: [name]) else {
            return nil
        }
        return (try decode(row), (row["sealed_secret"] as Data?).map(Array.init))
    }

    static func find(id: Int64, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM accounts WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        return (try decode(row), (row["sealed_secret"] as Data?).map(Array.init))
    }

    static func require(_ name: String, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?) {
        guard let found = try find(name, in: db) else { throw VaultError.noSuchAccount(name) }
        return found
    }
}
