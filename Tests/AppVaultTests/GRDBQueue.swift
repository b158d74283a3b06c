import Foundation
import GRDB

/// Direct read access to a vault file, for assertions about what is stored.
struct GRDBQueue {
    let queue: DatabaseQueue
    init(path: String) throws { queue = try DatabaseQueue(path: path) }

    func sealed(_ name: String) throws -> [UInt8] {
        try queue.read { db in
            Array(try Data.fetchOne(db, sql: "SELECT sealed_secret FROM accounts WHERE name = ?", arguments: [name]) ?? Data())
        }
    }

    /// Every byte of every text and blob cell, to search for a secret.
    func allCells() throws -> [UInt8] {
        try queue.read { db in
            var bytes: [UInt8] = []
            for table in ["vault_header", "accounts", "leases", "audit_log", "audit_head", "traffic"] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                    for (_, value) in row {
                        switch value.storage {
                        case .blob(let data): bytes += Array(data)
                        case .string(let text): bytes += Array(text.utf8)
                        default: break
                        }
                    }
                }
            }
            return bytes
        }
    }
}
