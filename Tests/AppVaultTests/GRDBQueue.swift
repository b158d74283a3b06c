import Foundation
import GRDB

/// Direct read access to a vault file, for assertions about what is stored.
struct GRDBQueue {
    let queue: DatabaseQueue
    init(path: String) throws { queue = try DatabaseQueue(path: path) }

    /// Every byte of every text and blob cell of every table, to search for what must not be there.
    func allCells() throws -> [UInt8] {
        try queue.read { db in
            var bytes: [UInt8] = []
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            for table in tables {
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

    /// The body of the record of `kind` whose key is the hex `key`.
    func body(kind: Int, keyHex: String) throws -> [UInt8] {
        try queue.read { db in
            Array(try Data.fetchOne(db, sql: "SELECT body FROM records WHERE kind = ? AND hex(key) = upper(?)",
                                    arguments: [kind, keyHex]) ?? Data())
        }
    }
}
