/// The vault format version every store records before any row is read: SQLite's
/// `PRAGMA user_version`, the `vault_format` row of a PostgreSQL vault.
package enum StoreFormat {
    /// The version this appvault reads and writes.
    package static let version = VaultHeader.formatVersion
}
