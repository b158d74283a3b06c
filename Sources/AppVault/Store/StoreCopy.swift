/// Copies a vault's rows from one store to an empty one as they are (sealed bodies, integrity
/// tree, audit log, header and state row), so the copy is the same vault: same id, same
/// commitments, a verifiable audit chain. `appvault migrate` moves a vault between SQLite and
/// PostgreSQL with it. Needs no keys.
package enum StoreCopy {
    /// What was copied.
    package struct Summary: Sendable, Equatable {
        package var records: Int
        package var treeNodes: Int
        package var auditEntries: Int
        /// The state row's commit counter (the same in both stores).
        package var commitCounter: Int64
    }

    /// Every row of one vault, read from one snapshot.
    struct Rows: Equatable {
        var header: StoredHeader?
        var state: StoredState?
        var records: [StoredRecord]
        var tree: [Int64: [UInt8]]
        var audit: [StoredAuditEntry]

        static func read(_ reader: any StoreReader) throws -> Rows {
            var audit = [StoredAuditEntry]()
            while true {
                let batch = try reader.auditEntries(after: audit.last?.sequence ?? Int64.min, limit: 10_000)
                guard !batch.isEmpty else { break }
                audit += batch
            }
            let records = try RecordKind.allCases.flatMap { try reader.records($0) }.sorted {
                $0.kind != $1.kind ? $0.kind.rawValue < $1.kind.rawValue : $0.key.lexicographicallyPrecedes($1.key)
            }
            return Rows(header: try reader.header(), state: try reader.state(), records: records,
                        tree: try reader.allTreeNodes(), audit: audit)
        }
    }

    /// Copies every row of `source` into `target`, which must hold no vault (its
    /// `createSchema` refuses otherwise), in one transaction; then reads the target back and
    /// checks that it holds exactly the rows read from the source.
    package static func copy(from source: any VaultStore, to target: any VaultStore) throws(VaultError) -> Summary {
        let rows = try source.read { reader in try Rows.read(reader) }
        guard let header = rows.header, let state = rows.state else {
            throw .tampered("\(source.location) has no vault header or state row; nothing was copied")
        }
        try target.write { writer in
            try writer.createSchema()
            try writer.putHeader(header)
            try writer.putState(state)
            for record in rows.records { try writer.put(record) }
            try writer.putTreeNodes(rows.tree)
            for entry in rows.audit { try writer.appendAudit(entry) }
        }
        let copied = try target.read { reader in try Rows.read(reader) }
        guard copied == rows else {
            throw .storage("the copy in \(target.location) does not hold the same rows as \(source.location); do not use it")
        }
        return Summary(records: rows.records.count, treeNodes: rows.tree.count, auditEntries: rows.audit.count,
                       commitCounter: state.counter)
    }
}
