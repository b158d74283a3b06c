import Foundation
import GRDB

/// Reads and writes account rows.
enum AccountRows {
    static func decode(_ row: Row) throws -> AccountRecord {
        func endpoint(_ prefix: String) throws -> ServerEndpoint {
            guard let security = TransportSecurity(rawValue: try row.required("\(prefix)_security")) else {
                throw VaultError.tampered("account row has an unknown security mode")
            }
            do {
                return try ServerEndpoint(host: row.required("\(prefix)_host"), port: row.required("\(prefix)_port"), security: security)
            } catch {
                throw VaultError.tampered("account row has an invalid \(prefix) server: \(error)")
            }
        }
        guard let status = AccountStatus(rawValue: try row.required("status")) else {
            throw VaultError.tampered("account row has an unknown status")
        }
        return AccountRecord(
            id: try row.required("id"), name: try row.required("name"), email: try row.required("email"), provider: try row.required("provider"),
            imap: try endpoint("imap"), smtp: try endpoint("smtp"),
            dailyDownloadLimitBytes: try row.required("daily_download_limit"), dailyUploadLimitBytes: try row.required("daily_upload_limit"),
            status: status, generation: try row.required("generation"), fingerprint: try row.optional("fingerprint"),
            createdAt: Date(timeIntervalSince1970: try row.required("created_at")),
            rotatedAt: (try row.optional("rotated_at", as: Double.self)).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (try row.optional("revoked_at", as: Double.self)).map(Date.init(timeIntervalSince1970:)),
            checkedAt: (try row.optional("checked_at", as: Double.self)).map(Date.init(timeIntervalSince1970:)))
    }

    static func find(_ name: String, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM accounts WHERE name = ?"), arguments: [name]) else {
            return nil
        }
        return (try decode(row), (try row.optional("sealed_secret", as: Data.self)).map(Array.init))
    }

    static func find(id: Int64, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM accounts WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        return (try decode(row), (try row.optional("sealed_secret", as: Data.self)).map(Array.init))
    }

    static func require(_ name: String, in db: Database) throws -> (AccountRecord, sealed: [UInt8]?) {
        guard let found = try find(name, in: db) else { throw VaultError.noSuchAccount(name) }
        return found
    }
}
