import GRDB

/// The SQLite file's schema, format version 2 (docs/format.md).
enum SQLiteSchema {
    /// `PRAGMA application_id`: "AVLT", marks the file as an appvault vault.
    static let applicationID: Int32 = 0x41564C54

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA application_id = \(applicationID);
            PRAGMA user_version = \(VaultHeader.formatVersion);
            CREATE TABLE vault_header (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                format_version INTEGER NOT NULL,
                vault_id BLOB NOT NULL,
                credential_kind TEXT NOT NULL,
                kdf_ops_limit INTEGER NOT NULL,
                kdf_mem_limit INTEGER NOT NULL,
                kdf_salt BLOB NOT NULL,
                wrapped_vault_key BLOB NOT NULL,
                created_ms INTEGER NOT NULL,
                header_checksum BLOB NOT NULL,
                header_mac BLOB NOT NULL
            );
            CREATE TABLE vault_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                counter INTEGER NOT NULL,
                audit_seq INTEGER NOT NULL,
                audit_chain BLOB NOT NULL,
                tree_root BLOB NOT NULL,
                mac BLOB NOT NULL
            );
            CREATE TABLE records (
                kind INTEGER NOT NULL,
                key BLOB NOT NULL,
                ref BLOB,
                tag BLOB,
                body BLOB NOT NULL,
                PRIMARY KEY (kind, key)
            ) WITHOUT ROWID;
            CREATE INDEX records_by_ref ON records(kind, ref) WHERE ref IS NOT NULL;
            CREATE INDEX records_by_tag ON records(kind, tag) WHERE tag IS NOT NULL;
            CREATE TABLE tree (
                id INTEGER PRIMARY KEY,
                node BLOB NOT NULL
            );
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                at_ms INTEGER NOT NULL,
                body BLOB NOT NULL,
                mac BLOB NOT NULL
            );
            """)
    }
}
