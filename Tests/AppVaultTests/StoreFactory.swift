import Foundation
import Glibc
import Testing
import TestSupport
@testable import AppVault
import PostgresStore
import VaultCrypto

/// The stores the store-level tests run against: every such test takes a `StoreKind` argument.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
}

/// A fresh, empty place for one vault (a file in a private folder, or a new database on the test
/// cluster, dropped when the factory goes away), and an attacker's raw access to its rows: SQL
/// through the `sqlite3` program or through `psql` as the database's superuser.
///
/// The SQL the tests write runs on both: on PostgreSQL, `hex(bytea)` and `randomblob(n)` exist
/// as SQLite has them, and ``blob(_:)`` writes a literal in each dialect.
final class StoreFactory: Sendable {
    let kind: StoreKind
    /// The private folder the vault file is in, with room for a backup (SQLite).
    let folder: String
    /// The vault file (SQLite).
    let path: String
    /// The database (PostgreSQL).
    let database: String?

    /// A place in `folder` (SQLite) or a new database (PostgreSQL).
    init(_ kind: StoreKind, folder: String) throws {
        self.kind = kind
        self.folder = folder
        path = folder + "/vault/vault.db"
        guard kind == .postgres else { database = nil; return }
        let name = try PostgresTestCluster.createDatabase()
        database = name
        try PostgresTestCluster.psql("""
            CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode($1, 'hex')) $$;
            CREATE FUNCTION randomblob(integer) RETURNS bytea LANGUAGE sql AS
              $$ SELECT decode(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), 'hex') FROM generate_series(1, $1) $$;
            """, database: name)
    }

    deinit {
        if let database { PostgresTestCluster.dropDatabase(database) }
    }

    /// The connection string of the database (PostgreSQL).
    var connectionString: String {
        get throws { try PostgresTestCluster.connectionString(database: database ?? "") }
    }

    /// Where the vault is, as ``AppVault/Vault/path`` reports it.
    var location: String {
        get throws { kind == .sqlite ? path : try PostgresAddress(parsing: connectionString).location }
    }

    /// Creates a vault here.
    func createVault(credential: consuming MasterCredential, configuration: VaultConfiguration) throws -> Vault {
        switch kind {
        case .sqlite:
            return try Vault.create(at: path, credential: credential, kdf: fastKDF, configuration: configuration)
        case .postgres:
            let store = try PostgresStore.create(PostgresAddress(parsing: connectionString))
            return try Vault.create(store: store, credential: credential, kdf: fastKDF, configuration: configuration)
        }
    }

    /// Opens the vault here, locked (another process, as far as the vault knows).
    func openVault(configuration: VaultConfiguration) throws -> Vault {
        switch kind {
        case .sqlite: return try Vault.open(at: path, configuration: configuration)
        case .postgres: return try Vault.open(store: PostgresStore.open(PostgresAddress(parsing: connectionString)), configuration: configuration)
        }
    }

    // MARK: - The attacker's access

    /// Runs SQL on the rows as an attacker with write access to the file or the database would.
    func sql(_ statements: String) throws {
        switch kind {
        case .sqlite:
            let output = try PostgresTestCluster.run("/usr/bin/sqlite3", [path, statements])
            guard output.status == 0 else { throw VaultError.io("sqlite3 failed (\(output.status)): \(output.stderr)") }
        case .postgres:
            try PostgresTestCluster.psql(statements, database: database!)
        }
    }

    /// Runs `statements` with the rows of `backup` reachable as tables of schema `old`
    /// (`old.records`, `old.vault_state`, ...).
    func sql(_ statements: String, with backup: StoreBackup) throws {
        switch kind {
        case .sqlite: try sql("ATTACH '\(backup.reference)' AS old; " + statements)
        case .postgres: try sql(statements)
        }
    }

    /// A literal of `bytes` in this store's SQL.
    func blob(_ bytes: [UInt8]) -> String {
        kind == .sqlite ? "x'\(Hex.encode(bytes))'" : "'\\x\(Hex.encode(bytes))'::bytea"
    }

    /// A copy of every row as it is now (a backup an attacker kept). Only one per store: on
    /// PostgreSQL it is the schema `old` of the same database.
    func backup(of vault: Vault) throws -> StoreBackup {
        switch kind {
        case .sqlite:
            vault.store.checkpoint()
            let copy = folder + "/backup.db"
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            return StoreBackup(reference: copy)
        case .postgres:
            try sql("CREATE SCHEMA old; " + Self.tables.map { "CREATE TABLE old.\($0) AS TABLE public.\($0);" }.joined(separator: " "))
            return StoreBackup(reference: "old")
        }
    }

    /// Puts every row of `backup` back in place of today's (a whole-store restore).
    func restore(_ backup: StoreBackup) throws {
        switch kind {
        case .sqlite:
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            try FileManager.default.copyItem(atPath: backup.reference, toPath: path)
        case .postgres:
            try sql(Self.tables.map { "DELETE FROM public.\($0); INSERT INTO public.\($0) SELECT * FROM old.\($0);" }.joined(separator: " "))
        }
    }

    /// Replaces the rows of `table` with those of another vault's store.
    func replaceRows(of table: String, from other: StoreFactory) throws {
        switch kind {
        case .sqlite:
            try sql("ATTACH '\(other.path)' AS other; DELETE FROM \(table); INSERT INTO \(table) SELECT * FROM other.\(table);")
        case .postgres:
            let rows = try PostgresTestCluster.psql("COPY \(table) TO STDOUT", database: other.database!)
            try PostgresTestCluster.psql("DELETE FROM \(table); COPY \(table) FROM STDIN", database: database!, stdin: Data(rows.utf8))
        }
    }

    /// Sets the format version the store records before any row (SQLite's `user_version`).
    func setFormatVersion(_ version: Int) throws {
        try sql(kind == .sqlite ? "PRAGMA user_version = \(version)" : "UPDATE vault_format SET format_version = \(version)")
    }

    private static let tables = ["vault_header", "vault_state", "records", "tree", "audit_log"]

    // MARK: - What is stored

    /// The body of the record of `kind` whose key is the hex `keyHex`.
    func body(kind: Int, keyHex: String) throws -> [UInt8] {
        switch self.kind {
        case .sqlite: return try GRDBQueue(path: path).body(kind: kind, keyHex: keyHex)
        case .postgres:
            let hex = try PostgresTestCluster.psql(
                "SELECT encode(body, 'hex') FROM records WHERE kind = \(kind) AND key = decode('\(keyHex)', 'hex')", database: database!)
            return try #require(Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
    }

    /// Every byte of every text and blob cell of every table, to search for what must not be there.
    func allCells() throws -> [UInt8] {
        switch kind {
        case .sqlite: return try GRDBQueue(path: path).allCells()
        case .postgres:
            let columns = try PostgresTestCluster.psql("""
                SELECT table_name || ' ' || column_name || ' ' || data_type FROM information_schema.columns
                WHERE table_schema = 'public' AND data_type IN ('bytea', 'text')
                """, database: database!)
            var bytes = [UInt8]()
            for line in columns.split(separator: "\n") {
                let parts = line.split(separator: " ")
                let value = parts[2] == "bytea" ? String(parts[1]) : "convert_to(\(parts[1]), 'UTF8')"
                let hex = try PostgresTestCluster.psql("SELECT encode(\(value), 'hex') FROM \(parts[0]) WHERE \(parts[1]) IS NOT NULL",
                                                       database: database!)
                for cell in hex.split(separator: "\n") { bytes += try #require(Hex.decode(String(cell))) }
            }
            return bytes
        }
    }

    /// What someone who takes the whole store away holds: the file and its write-ahead log
    /// (SQLite); a `pg_dump` of the database and, after a checkpoint, the server's data files of
    /// its tables, their indexes and TOAST tables (PostgreSQL, as a database administrator has
    /// them; the system catalogs are left out, as they hold PostgreSQL's own words).
    func stolenBytes() throws -> [[UInt8]] {
        switch kind {
        case .sqlite:
            return ["", "-wal"].compactMap { suffix in (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))).map(Array.init) }
        case .postgres:
            let folder = try PostgresTestCluster.directory()
            let dump = try PostgresTestCluster.run(try PostgresTestCluster.setting("PG_BIN") + "/pg_dump", [
                "-h", folder + "/run", "-p", String(try PostgresTestCluster.port()), "-U", "postgres", database!,
            ])
            try PostgresTestCluster.psql("CHECKPOINT", database: database!)
            let files = try PostgresTestCluster.psql("""
                SELECT pg_relation_filepath(oid) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')
                UNION SELECT pg_relation_filepath(reltoastrelid) FROM pg_class
                  WHERE relnamespace = 'public'::regnamespace AND reltoastrelid <> 0
                """, database: database!).split(separator: "\n")
            let stolen = files.compactMap { FileManager.default.contents(atPath: folder + "/main/data/" + $0).map(Array.init) }
            guard stolen.count == files.count, stolen.count >= 6 else { throw VaultError.io("the vault's data files are not where expected") }
            return [Array(dump.stdout.utf8)] + stolen
        }
    }
}

/// A copy of a store's rows: a file (SQLite) or a schema (PostgreSQL).
struct StoreBackup {
    let reference: String
}
