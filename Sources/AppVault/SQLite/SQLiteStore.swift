import Foundation
import GRDB

/// The embedded store: one SQLite file (mode 0600 in a private folder) in WAL mode, every
/// change one IMMEDIATE transaction with `synchronous = FULL` (docs/format.md).
package struct SQLiteStore: VaultStore {
    /// The vault file.
    package let path: String
    private let pool: DatabasePool

    package var location: String { path }

    /// How long a writer waits for another process's transaction before answering "busy".
    static let busyTimeout: Double = 5

    /// Opens an existing vault file after checking it, its folder and its `-wal`/`-shm` files.
    package static func open(path: String) throws(VaultError) -> SQLiteStore {
        try FileSafety.checkVaultFile(path)
        let store = try connect(path: path)
        try store.readPragmas()
        return store
    }

    /// Creates a new, empty vault file (mode 0600, in a private folder).
    package static func create(path: String) throws(VaultError) -> SQLiteStore {
        try checkCreatable(path: path)
        try FileSafety.createPrivateFile(path)
        return try connect(path: path)
    }

    /// Refuses a path where a vault already is; makes its folder private (0700) if missing.
    package static func checkCreatable(path: String) throws(VaultError) {
        if FileSafety.exists(path) { throw .vaultExists(path) }
        try FileSafety.preparePrivateFolder(FileSafety.parentFolder(of: path))
    }

    /// Removes a vault file that `create` made but could not finish.
    package static func removeUnfinished(path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }

    private static func connect(path: String) throws(VaultError) -> SQLiteStore {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL on the writer when it enables WAL, after prepareDatabase runs. NORMAL
            // can lose the last commits on power failure (a rotate the user was told had landed);
            // a vault syncs every commit. The writer connection lives as long as the pool.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return SQLiteStore(path: path, pool: pool)
        } catch {
            throw SQLiteErrors.map(error)
        }
    }

    /// Refuses files that are not appvault vaults, and vaults of another format version.
    private func readPragmas() throws(VaultError) {
        let (applicationID, version) = try readRaw { db in
            (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
        }
        guard applicationID == SQLiteSchema.applicationID else {
            throw .tampered("the file is an SQLite database but not an appvault vault")
        }
        guard version == VaultHeader.formatVersion else {
            throw .unsupportedFormat(found: version, supported: VaultHeader.formatVersion)
        }
    }

    package func read<T>(_ body: (any StoreReader) throws -> T) throws(VaultError) -> T {
        try readRaw { db in try body(SQLiteTransaction(db: db)) }
    }

    package func write<T>(_ body: (any StoreWriter) throws -> T) throws(VaultError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(SQLiteTransaction(db: db))
                    return .commit
                }
                return result!
            }
        } catch {
            throw SQLiteErrors.map(error)
        }
    }

    package func commitCounterHint() throws(VaultError) -> Int64 {
        try readRaw { db in try Int64.fetchOne(db, sql: "SELECT counter FROM vault_state WHERE id = 1") ?? -1 }
    }

    /// How often ``waitForChange(after:timeout:)`` reads the counter.
    static let changePollInterval: Duration = .milliseconds(100)

    package func waitForChange(after counter: Int64, timeout: Duration) throws(VaultError) -> Int64 {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = try commitCounterHint()
            if current != counter || ContinuousClock.now >= deadline { return current }
            Thread.sleep(forTimeInterval: Self.changePollInterval.seconds)
        }
    }

    package func checkpoint() {
        _ = try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// The writer's `PRAGMA synchronous` (2 = FULL), for tests and the benchmark report.
    package func writerSynchronousMode() throws(VaultError) -> Int {
        do { return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } } catch {
            throw SQLiteErrors.map(error)
        }
    }

    private func readRaw<T>(_ body: (Database) throws -> T) throws(VaultError) -> T {
        do { return try pool.read(body) } catch { throw SQLiteErrors.map(error) }
    }
}

/// One SQLite transaction or snapshot seen through the store protocol.
private struct SQLiteTransaction: StoreWriter {
    let db: Database

    func createSchema() throws {
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") == 0 else { throw VaultError.vaultExists(db.description) }
        try SQLiteSchema.create(db)
    }

    func header() throws -> StoredHeader? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM vault_header WHERE id = 1") else { return nil }
        return StoredHeader(
            formatVersion: try row.required("format_version"), vaultID: try row.blob("vault_id"),
            credentialKind: try row.required("credential_kind"), kdfOpsLimit: try row.required("kdf_ops_limit"),
            kdfMemLimit: try row.required("kdf_mem_limit"), salt: try row.blob("kdf_salt"),
            wrappedVaultKey: try row.blob("wrapped_vault_key"), createdMilliseconds: try row.required("created_ms"),
            checksum: try row.blob("header_checksum"), mac: try row.blob("header_mac"))
    }

    func state() throws -> StoredState? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM vault_state WHERE id = 1")) else { return nil }
        return StoredState(counter: try row.required("counter"), auditSequence: try row.required("audit_seq"),
                           auditChain: try row.blob("audit_chain"), treeRoot: try row.blob("tree_root"),
                           mac: try row.blob("mac"))
    }

    func lockedState() throws -> StoredState? { try state() }

    func record(_ kind: RecordKind, key: [UInt8]) throws -> StoredRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM records WHERE kind = ? AND key = ?"),
                         arguments: [kind.rawValue, Data(key)]).map(Self.decode)
    }

    func records(_ kind: RecordKind, ref: [UInt8]) throws -> [StoredRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM records WHERE kind = ? AND ref = ?"),
                         arguments: [kind.rawValue, Data(ref)]).map(Self.decode)
    }

    func records(_ kind: RecordKind, tag: [UInt8]) throws -> [StoredRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM records WHERE kind = ? AND tag = ?"),
                         arguments: [kind.rawValue, Data(tag)]).map(Self.decode)
    }

    func records(_ kind: RecordKind) throws -> [StoredRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM records WHERE kind = ?"), arguments: [kind.rawValue])
            .map(Self.decode)
    }

    private static func decode(_ row: Row) throws -> StoredRecord {
        let rawKind: Int64 = try row.required("kind")
        guard let kindValue = UInt8(exactly: rawKind), let kind = RecordKind(rawValue: kindValue) else {
            throw VaultError.tampered("a record row has an unknown kind")
        }
        return StoredRecord(kind: kind, key: try row.blob("key"), ref: try row.optionalBlob("ref"),
                            tag: try row.optionalBlob("tag"), body: try row.blob("body"))
    }

    func treeNodes(_ ids: [Int64]) throws -> [Int64: [UInt8]] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, node FROM tree WHERE id IN (\(placeholders))"),
                                    arguments: StatementArguments(ids))
        return try Dictionary(rows.map { (try $0.required("id"), try $0.blob("node")) }, uniquingKeysWith: { first, _ in first })
    }

    func allTreeNodes() throws -> [Int64: [UInt8]] {
        let rows = try Row.fetchAll(db, sql: "SELECT id, node FROM tree")
        return try Dictionary(rows.map { (try $0.required("id"), try $0.blob("node")) }, uniquingKeysWith: { first, _ in first })
    }

    func auditEntries(after sequence: Int64, limit: Int) throws -> [StoredAuditEntry] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"),
                         arguments: [sequence, limit]).map { row in
            StoredAuditEntry(sequence: try row.required("seq"), milliseconds: try row.required("at_ms"),
                             body: try row.blob("body"), mac: try row.blob("mac"))
        }
    }

    func lastAuditSequence() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0
    }

    func putHeader(_ header: StoredHeader) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO vault_header (id, format_version, vault_id, credential_kind, kdf_ops_limit,
                  kdf_mem_limit, kdf_salt, wrapped_vault_key, created_ms, header_checksum, header_mac)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [header.formatVersion, Data(header.vaultID), header.credentialKind, header.kdfOpsLimit,
                        header.kdfMemLimit, Data(header.salt), Data(header.wrappedVaultKey), header.createdMilliseconds,
                        Data(header.checksum), Data(header.mac)])
    }

    func putState(_ state: StoredState) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO vault_state (id, counter, audit_seq, audit_chain, tree_root, mac) VALUES (1, ?, ?, ?, ?, ?)
            """).execute(arguments: [state.counter, state.auditSequence, Data(state.auditChain), Data(state.treeRoot),
                                     Data(state.mac)])
    }

    func put(_ record: StoredRecord) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO records (kind, key, ref, tag, body) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [record.kind.rawValue, Data(record.key), record.ref.map { Data($0) },
                                 record.tag.map { Data($0) }, Data(record.body)])
    }

    func delete(_ kind: RecordKind, key: [UInt8]) throws {
        try db.cachedStatement(sql: "DELETE FROM records WHERE kind = ? AND key = ?").execute(arguments: [kind.rawValue, Data(key)])
    }

    func putTreeNodes(_ nodes: [Int64: [UInt8]]) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tree (id, node) VALUES (?, ?)")
        for (id, node) in nodes { try statement.execute(arguments: [id, Data(node)]) }
    }

    func appendAudit(_ entry: StoredAuditEntry) throws {
        try db.cachedStatement(sql: "INSERT INTO audit_log (seq, at_ms, body, mac) VALUES (?, ?, ?, ?)")
            .execute(arguments: [entry.sequence, entry.milliseconds, Data(entry.body), Data(entry.mac)])
    }
}
