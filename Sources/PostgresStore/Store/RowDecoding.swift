import AppVault

/// Turns result rows into the store's row types. Every accessor of ``PostgresResult`` checks
/// types, widths and NULLs, so whatever a server (or a doctored table) returns ends in rows or a
/// ``AppVault/VaultError``; RowFuzzing runs these over arbitrary result sets.
enum RowDecoding {
    /// The `vault_format` row: application and format version; nil when there is none.
    static func format(_ rows: borrowing PostgresResult) throws(VaultError) -> (application: String, version: Int32)? {
        guard rows.rowCount > 0 else { return nil }
        return (try rows.text(0, "application"), try rows.int32(0, "format_version"))
    }

    /// How many of the vault's tables, and how many tables in all (PostgresSchema.census).
    static func census(_ rows: borrowing PostgresResult) throws(VaultError) -> (ours: Int64, total: Int64) {
        guard rows.rowCount > 0 else { throw .tampered("the table census returned no row") }
        return (try rows.int64(0, "ours"), try rows.int64(0, "total"))
    }

    /// The state row's counter alone; nil when there is no state row.
    static func counter(_ rows: borrowing PostgresResult) throws(VaultError) -> Int64? {
        rows.rowCount > 0 ? try rows.int64(0, "counter") : nil
    }

    static func header(_ rows: borrowing PostgresResult) throws(VaultError) -> StoredHeader? {
        guard rows.rowCount > 0 else { return nil }
        return StoredHeader(
            formatVersion: Int(try rows.int32(0, "format_version")), vaultID: try rows.bytes(0, "vault_id"),
            credentialKind: try rows.text(0, "credential_kind"), kdfOpsLimit: try rows.int64(0, "kdf_ops_limit"),
            kdfMemLimit: try rows.int64(0, "kdf_mem_limit"), salt: try rows.bytes(0, "kdf_salt"),
            wrappedVaultKey: try rows.bytes(0, "wrapped_vault_key"), createdMilliseconds: try rows.int64(0, "created_ms"),
            checksum: try rows.bytes(0, "header_checksum"), mac: try rows.bytes(0, "header_mac"))
    }

    static func state(_ rows: borrowing PostgresResult) throws(VaultError) -> StoredState? {
        guard rows.rowCount > 0 else { return nil }
        return StoredState(counter: try rows.int64(0, "counter"), auditSequence: try rows.int64(0, "audit_seq"),
                           auditChain: try rows.bytes(0, "audit_chain"), treeRoot: try rows.bytes(0, "tree_root"),
                           mac: try rows.bytes(0, "mac"))
    }

    static func records(_ rows: borrowing PostgresResult) throws(VaultError) -> [StoredRecord] {
        var records = [StoredRecord]()
        records.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            guard let value = UInt8(exactly: try rows.int16(row, "kind")), let kind = RecordKind(rawValue: value) else {
                throw .tampered("a record row has an unknown kind")
            }
            records.append(StoredRecord(kind: kind, key: try rows.bytes(row, "key"), ref: try rows.optionalBytes(row, "ref"),
                                        tag: try rows.optionalBytes(row, "tag"), body: try rows.bytes(row, "body")))
        }
        return records
    }

    static func treeNodes(_ rows: borrowing PostgresResult) throws(VaultError) -> [Int64: [UInt8]] {
        var nodes = [Int64: [UInt8]](minimumCapacity: rows.rowCount)
        for row in 0..<rows.rowCount { nodes[try rows.int64(row, "id")] = try rows.bytes(row, "node") }
        return nodes
    }

    static func auditEntries(_ rows: borrowing PostgresResult) throws(VaultError) -> [StoredAuditEntry] {
        var entries = [StoredAuditEntry]()
        entries.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            entries.append(StoredAuditEntry(sequence: try rows.int64(row, "seq"), milliseconds: try rows.int64(row, "at_ms"),
                                            body: try rows.bytes(row, "body"), mac: try rows.bytes(row, "mac")))
        }
        return entries
    }

    /// `max(seq)` of the audit log, 0 when it is empty.
    static func lastSequence(_ rows: borrowing PostgresResult) throws(VaultError) -> Int64 {
        rows.rowCount > 0 ? try rows.optionalInt64(0, "seq") ?? 0 : 0
    }
}
