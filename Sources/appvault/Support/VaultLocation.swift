import AppVault
import Logging
import PostgresStore

/// Where a vault lives: a file (the embedded SQLite store) or a PostgreSQL database (the shared
/// store). `--vault`/`$APPVAULT_VAULT` name a file, `--store`/`$APPVAULT_STORE` a database.
enum VaultLocation {
    case file(String)
    case database(PostgresAddress)

    /// A `migrate --to` target: a PostgreSQL address when it looks like one, else a file path.
    static func parsing(_ text: String) throws(VaultError) -> VaultLocation {
        PostgresAddress.isConnectionString(text) ? .database(try PostgresAddress(parsing: text)) : .file(text)
    }

    /// The file path or the database address, for messages.
    var description: String {
        switch self {
        case .file(let path): path
        case .database(let address): address.location
        }
    }

    /// Opens the store of an existing vault (checked: file permissions, or the tables' format);
    /// a database store reports lost and regained connections to `logger`.
    func openStore(logger: Logger = CLILogging.logger) throws(VaultError) -> any VaultStore {
        switch self {
        case .file(let path): try SQLiteStore.open(path: path)
        case .database(let address): try PostgresStore.open(address, logger: logger)
        }
    }

    /// Makes a new, empty store: a private file, or a connection to an empty database.
    func createStore() throws(VaultError) -> any VaultStore {
        switch self {
        case .file(let path): try SQLiteStore.create(path: path)
        case .database(let address): try PostgresStore.create(address, logger: CLILogging.logger)
        }
    }

    /// Removes what ``createStore()`` made when filling it failed (a file; a database keeps
    /// nothing, as the failed transaction made nothing).
    func removeUnfinished() {
        if case .file(let path) = self { SQLiteStore.removeUnfinished(path: path) }
    }
}
