import AppVault

/// A PostgreSQL vault's tables, format version 2 (docs/format.md, "PostgreSQL store"): the
/// SQLite tables with `bytea` for blobs, plus `vault_format` in place of SQLite's
/// `application_id` and `user_version`. They live in the connection's current schema.
enum PostgresSchema {
    /// `vault_format.application`: marks the tables as an appvault vault.
    static let application = "appvault"

    /// The tables a vault consists of.
    static let tables = ["vault_format", "vault_header", "vault_state", "records", "tree", "audit_log"]

    /// The advisory lock `createSchema` holds, so two concurrent `init`s cannot both create
    /// tables ("AVLT", the SQLite file's application id).
    static let creationLock: Int64 = 0x4156_4C54

    /// The channel every write transaction notifies with its new commit counter.
    static let channel = "appvault_commit"

    static let create = """
        CREATE TABLE vault_format (
            id smallint PRIMARY KEY CHECK (id = 1),
            application text NOT NULL,
            format_version integer NOT NULL
        );
        INSERT INTO vault_format (id, application, format_version) VALUES (1, '\(application)', \(StoreFormat.version));
        CREATE TABLE vault_header (
            id smallint PRIMARY KEY CHECK (id = 1),
            format_version integer NOT NULL,
            vault_id bytea NOT NULL,
            credential_kind text NOT NULL,
            kdf_ops_limit bigint NOT NULL,
            kdf_mem_limit bigint NOT NULL,
            kdf_salt bytea NOT NULL,
            wrapped_vault_key bytea NOT NULL,
            created_ms bigint NOT NULL,
            header_checksum bytea NOT NULL,
            header_mac bytea NOT NULL
        );
        CREATE TABLE vault_state (
            id smallint PRIMARY KEY CHECK (id = 1),
            counter bigint NOT NULL,
            audit_seq bigint NOT NULL,
            audit_chain bytea NOT NULL,
            tree_root bytea NOT NULL,
            mac bytea NOT NULL
        );
        CREATE TABLE records (
            kind smallint NOT NULL,
            key bytea NOT NULL,
            ref bytea,
            tag bytea,
            body bytea NOT NULL,
            PRIMARY KEY (kind, key)
        );
        CREATE INDEX records_by_ref ON records (kind, ref) WHERE ref IS NOT NULL;
        CREATE INDEX records_by_tag ON records (kind, tag) WHERE tag IS NOT NULL;
        CREATE TABLE tree (
            id bigint PRIMARY KEY,
            node bytea NOT NULL
        );
        CREATE TABLE audit_log (
            seq bigint PRIMARY KEY,
            at_ms bigint NOT NULL,
            body bytea NOT NULL,
            mac bytea NOT NULL
        )
        """

    /// How many of the vault's tables, and how many tables in all, the current schema holds.
    static let census = """
        SELECT count(*) FILTER (WHERE tablename IN (\(tables.map { "'\($0)'" }.joined(separator: ", ")))) AS ours,
               count(*) AS total
        FROM pg_tables WHERE schemaname = current_schema()
        """
}
