import GRDB

/// The vault's SQLite schema, format version 1 (documented in docs/format.md).
enum Schema {
    /// The format this build reads and writes.
    static let formatVersion = 1
    /// `PRAGMA application_id`: "AVLT", marks the file as an appvault vault.
    static let applicationID: Int32 = 0x41564C54

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA application_id = \(applicationID);
            PRAGMA user_version = \(formatVersion);
            CREATE TABLE vault_header (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                format_version INTEGER NOT NULL,
                vault_id BLOB NOT NULL,
                credential_kind TEXT NOT NULL,
                kdf_ops_limit INTEGER NOT NULL,
                kdf_mem_limit INTEGER NOT NULL,
                kdf_salt BLOB NOT NULL,
                wrapped_vault_key BLOB NOT NULL,
                created_at REAL NOT NULL,
                header_checksum BLOB NOT NULL,
                header_mac BLOB NOT NULL
            );
            CREATE TABLE accounts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                email TEXT NOT NULL,
                provider TEXT NOT NULL,
                imap_host TEXT NOT NULL, imap_port INTEGER NOT NULL, imap_security TEXT NOT NULL,
                smtp_host TEXT NOT NULL, smtp_port INTEGER NOT NULL, smtp_security TEXT NOT NULL,
                daily_download_limit INTEGER NOT NULL,
                daily_upload_limit INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'dead', 'revoked')),
                generation INTEGER NOT NULL,
                fingerprint TEXT,
                sealed_secret BLOB,
                created_at REAL NOT NULL,
                rotated_at REAL,
                revoked_at REAL,
                checked_at REAL
            );
            CREATE TABLE leases (
                id TEXT PRIMARY KEY,
                account_id INTEGER NOT NULL REFERENCES accounts(id),
                protocol TEXT NOT NULL,
                generation INTEGER NOT NULL,
                granted_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                max_expires_at REAL NOT NULL,
                uses_left INTEGER NOT NULL,
                holder TEXT NOT NULL,
                revoked_at REAL
            );
            CREATE INDEX leases_by_account ON leases(account_id, expires_at);
            CREATE INDEX leases_live_by_account ON leases(account_id, expires_at)
              WHERE revoked_at IS NULL AND uses_left > 0;
            CREATE INDEX leases_live_by_holder ON leases(holder, expires_at)
              WHERE revoked_at IS NULL AND uses_left > 0;
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                event TEXT NOT NULL,
                account TEXT,
                lease_id TEXT,
                actor TEXT NOT NULL,
                detail TEXT NOT NULL,
                mac BLOB NOT NULL
            );
            CREATE TABLE audit_head (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL,
                mac BLOB NOT NULL
            );
            CREATE TABLE traffic (
                account_id INTEGER NOT NULL REFERENCES accounts(id),
                day TEXT NOT NULL,
                bytes_in INTEGER NOT NULL DEFAULT 0,
                bytes_out INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (account_id, day)
            );
            """)
    }
}
