import AppVault

/// One PostgreSQL transaction seen through the store protocol.
///
/// Every failed statement is remembered in ``failure`` (the transaction is aborted on the
/// server from then on) and thrown as a ``AppVault/VaultError``, so ``PostgresStore`` can tell
/// a serialisation failure, which it retries, from a refusal of the vault's own.
final class PostgresTransaction: StoreWriter {
    private let connection: PostgresConnection
    private let location: String
    /// The first statement failure, if any.
    private(set) var failure: PostgresFailure?
    /// The commit counter of the state row this transaction wrote, for the notification.
    private(set) var writtenCounter: Int64?

    init(connection: PostgresConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    @discardableResult
    private func run(_ sql: String, _ parameters: [PostgresValue] = []) throws(VaultError) -> PostgresResult {
        do {
            return try connection.execute(sql, parameters)
        } catch {
            if failure == nil { failure = error }
            throw PostgresErrors.map(error, at: location)
        }
    }

    // MARK: - Schema

    /// The `vault_format` row: application and format version; nil when there is none.
    func format() throws(VaultError) -> (application: String, version: Int32)? {
        try RowDecoding.format(run("SELECT application, format_version FROM vault_format WHERE id = 1"))
    }

    /// How many of the vault's tables, and how many tables in all, the current schema holds.
    func census() throws(VaultError) -> (ours: Int64, total: Int64) {
        try RowDecoding.census(run(PostgresSchema.census))
    }

    /// The state row's counter without reading the rest (the change hint).
    func counter() throws(VaultError) -> Int64? {
        try RowDecoding.counter(run("SELECT counter FROM vault_state WHERE id = 1"))
    }

    func createSchema() throws {
        try run("SELECT pg_advisory_xact_lock($1)", [.int64(PostgresSchema.creationLock)])
        let (ours, total) = try census()
        guard ours == 0 else { throw VaultError.vaultExists(location) }
        guard total == 0 else {
            throw VaultError.invalidInput("\(location) holds other tables; give the vault an empty database of its own (createdb -O USER NAME)")
        }
        do {
            try connection.simple(PostgresSchema.create)
        } catch {
            if failure == nil { failure = error }
            throw PostgresErrors.map(error, at: location)
        }
    }

    // MARK: - Reading

    func header() throws -> StoredHeader? {
        try RowDecoding.header(run("""
            SELECT format_version, vault_id, credential_kind, kdf_ops_limit, kdf_mem_limit, kdf_salt, wrapped_vault_key,
                   created_ms, header_checksum, header_mac FROM vault_header WHERE id = 1
            """))
    }

    func state() throws -> StoredState? {
        try RowDecoding.state(run("SELECT counter, audit_seq, audit_chain, tree_root, mac FROM vault_state WHERE id = 1"))
    }

    /// Locks the state row until the transaction ends: every writer of the vault, on any host,
    /// queues here, so write transactions take effect one after another (at READ COMMITTED,
    /// each later statement sees everything committed before the lock was granted).
    func lockedState() throws -> StoredState? {
        try RowDecoding.state(run("SELECT counter, audit_seq, audit_chain, tree_root, mac FROM vault_state WHERE id = 1 FOR UPDATE"))
    }

    func record(_ kind: RecordKind, key: [UInt8]) throws -> StoredRecord? {
        try RowDecoding.records(run("SELECT kind, key, ref, tag, body FROM records WHERE kind = $1 AND key = $2",
                                    [.int16(Int16(kind.rawValue)), .bytes(key)])).first
    }

    func records(_ kind: RecordKind, ref: [UInt8]) throws -> [StoredRecord] {
        try RowDecoding.records(run("SELECT kind, key, ref, tag, body FROM records WHERE kind = $1 AND ref = $2",
                                    [.int16(Int16(kind.rawValue)), .bytes(ref)]))
    }

    func records(_ kind: RecordKind, tag: [UInt8]) throws -> [StoredRecord] {
        try RowDecoding.records(run("SELECT kind, key, ref, tag, body FROM records WHERE kind = $1 AND tag = $2",
                                    [.int16(Int16(kind.rawValue)), .bytes(tag)]))
    }

    func records(_ kind: RecordKind) throws -> [StoredRecord] {
        try RowDecoding.records(run("SELECT kind, key, ref, tag, body FROM records WHERE kind = $1", [.int16(Int16(kind.rawValue))]))
    }

    func treeNodes(_ ids: [Int64]) throws -> [Int64: [UInt8]] {
        guard !ids.isEmpty else { return [:] }
        return try RowDecoding.treeNodes(run("SELECT id, node FROM tree WHERE id = ANY($1)", [.int64Array(ids)]))
    }

    func allTreeNodes() throws -> [Int64: [UInt8]] {
        try RowDecoding.treeNodes(run("SELECT id, node FROM tree"))
    }

    func auditEntries(after sequence: Int64, limit: Int) throws -> [StoredAuditEntry] {
        try RowDecoding.auditEntries(run("SELECT seq, at_ms, body, mac FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                         [.int64(sequence), .int64(Int64(limit))]))
    }

    func lastAuditSequence() throws -> Int64 {
        try RowDecoding.lastSequence(run("SELECT max(seq) AS seq FROM audit_log"))
    }

    // MARK: - Writing

    func putHeader(_ header: StoredHeader) throws {
        guard let version = Int32(exactly: header.formatVersion) else { throw VaultError.invalidInput("format version out of range") }
        try run("""
            INSERT INTO vault_header (id, format_version, vault_id, credential_kind, kdf_ops_limit, kdf_mem_limit, kdf_salt,
                                      wrapped_vault_key, created_ms, header_checksum, header_mac)
            VALUES (1, $1::integer, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (id) DO UPDATE SET format_version = EXCLUDED.format_version, vault_id = EXCLUDED.vault_id,
                credential_kind = EXCLUDED.credential_kind, kdf_ops_limit = EXCLUDED.kdf_ops_limit,
                kdf_mem_limit = EXCLUDED.kdf_mem_limit, kdf_salt = EXCLUDED.kdf_salt,
                wrapped_vault_key = EXCLUDED.wrapped_vault_key, created_ms = EXCLUDED.created_ms,
                header_checksum = EXCLUDED.header_checksum, header_mac = EXCLUDED.header_mac
            """,
            [.int64(Int64(version)), .bytes(header.vaultID), .text(header.credentialKind), .int64(header.kdfOpsLimit),
             .int64(header.kdfMemLimit), .bytes(header.salt), .bytes(header.wrappedVaultKey), .int64(header.createdMilliseconds),
             .bytes(header.checksum), .bytes(header.mac)])
    }

    func putState(_ state: StoredState) throws {
        try run("""
            INSERT INTO vault_state (id, counter, audit_seq, audit_chain, tree_root, mac) VALUES (1, $1, $2, $3, $4, $5)
            ON CONFLICT (id) DO UPDATE SET counter = EXCLUDED.counter, audit_seq = EXCLUDED.audit_seq,
                audit_chain = EXCLUDED.audit_chain, tree_root = EXCLUDED.tree_root, mac = EXCLUDED.mac
            """,
            [.int64(state.counter), .int64(state.auditSequence), .bytes(state.auditChain), .bytes(state.treeRoot),
             .bytes(state.mac)])
        writtenCounter = state.counter
    }

    func put(_ record: StoredRecord) throws {
        try run("""
            INSERT INTO records (kind, key, ref, tag, body) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (kind, key) DO UPDATE SET ref = EXCLUDED.ref, tag = EXCLUDED.tag, body = EXCLUDED.body
            """,
            [.int16(Int16(record.kind.rawValue)), .bytes(record.key), record.ref.map(PostgresValue.bytes) ?? .null,
             record.tag.map(PostgresValue.bytes) ?? .null, .bytes(record.body)])
    }

    func delete(_ kind: RecordKind, key: [UInt8]) throws {
        try run("DELETE FROM records WHERE kind = $1 AND key = $2", [.int16(Int16(kind.rawValue)), .bytes(key)])
    }

    func putTreeNodes(_ nodes: [Int64: [UInt8]]) throws {
        guard !nodes.isEmpty else { return }
        let ordered = nodes.sorted { $0.key < $1.key }
        try run("""
            INSERT INTO tree (id, node) SELECT * FROM unnest($1::bigint[], $2::bytea[])
            ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node
            """, [.int64Array(ordered.map(\.key)), .bytesArray(ordered.map(\.value))])
    }

    func appendAudit(_ entry: StoredAuditEntry) throws {
        try run("INSERT INTO audit_log (seq, at_ms, body, mac) VALUES ($1, $2, $3, $4)",
                [.int64(entry.sequence), .int64(entry.milliseconds), .bytes(entry.body), .bytes(entry.mac)])
    }
}
