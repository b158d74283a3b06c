import GRDB

/// The vault's SQLite file, opened in WAL mode; every change is one IMMEDIATE transaction.
struct VaultDatabase: Sendable {
    let path: String
    private let pool: DatabasePool

    /// How long a writer waits for another process's transaction before answering "busy".
    static let busyTimeout: Double = 5

    /// Opens an existing vault, checking the file's permissions and identity first.
    static func open(path: String) throws(VaultError) -> VaultDatabase {
        try FileSafety.checkVaultFile(path)
        let database = try connect(path: path)
        try database.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            guard applicationID == Schema.applicationID else {
                throw VaultError.tampered("the file is an SQLite database but not an appvault vault")
            }
        }
        return database
    }

    /// Creates a new, empty vault file (mode 0600, in a 0700 folder) and its schema.
    static func create(path: String) throws(VaultError) -> VaultDatabase {
        try FileSafety.preparePrivateFolder(FileSafety.parentFolder(of: path))
        try FileSafety.createPrivateFile(path)
        return try connect(path: path)
    }

    private static func connect(path: String) throws(VaultError) -> VaultDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL on the writer when it enables WAL, after prepareDatabase runs. NORMAL
            // can lose the last commits on power failure (a rotate the user was told had landed);
            // a vault syncs every commit. The writer connection lives as long as the pool.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return VaultDatabase(path: path, pool: pool)
        } catch {
            throw StorageErrors.map(error)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it lands, or none of it.
    func write<T>(_ body: (Database) throws -> T) throws(VaultError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StorageErrors.map(error)
        }
    }

    /// Moves committed pages out of the WAL and truncates it, so a destroyed secret does not
    /// linger in the WAL file (`secure_delete` already overwrites it in the main file).
    /// Best effort: another reader may keep the WAL busy, which is harmless.
    func checkpoint() {
        _ = try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// The writer's `PRAGMA synchronous` (2 = FULL), for tests and the benchmark report.
    func writerSynchronousMode() throws(VaultError) -> Int {
        do { return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } } catch {
            throw StorageErrors.map(error)
        }
    }

    /// Runs `body` on a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(VaultError) -> T {
        do { return try pool.read(body) } catch { throw StorageErrors.map(error) }
    }
}
