package import AppVault
import Foundation
package import Logging

/// The shared store: a vault's rows in a PostgreSQL database that several hosts use at once
/// (docs/postgresql.md). Same rows as ``AppVault/SQLiteStore``, same guarantees:
///
/// - ``write(_:)`` is one READ COMMITTED transaction whose first statement locks the state row
///   (`SELECT ... FOR UPDATE`, through `lockedState()`), so the writers of one vault, from every
///   host, run one after another and each sees all that committed before it: a one-use lease is
///   spent once. A writer that waits more than 5 s for the lock gets ``AppVault/VaultError/busy``.
///   The transaction ends with `NOTIFY appvault_commit, '<counter>'` and COMMIT in one round trip.
/// - ``read(_:)`` is one REPEATABLE READ, READ ONLY transaction: one snapshot.
/// - A server that cannot be reached, or goes away in the middle, is
///   ``AppVault/VaultError/storeUnreachable(_:)`` (exit 13) with nothing changed; the next call
///   connects again, so a long-running agent recovers without a restart. A pooled connection
///   found cut (the server restarted or failed over) is replaced at once, before any statement
///   of the caller's ran.
package final class PostgresStore: VaultStore {
    /// Where the database is (never with a password: ``PostgresAddress`` refuses those).
    package let address: PostgresAddress
    private let pool: ConnectionPool
    private let listener: ChangeListener

    package var location: String { address.location }

    /// Connections one process keeps at most.
    package static let defaultPoolSize = 8
    /// How often ``waitForChange(after:timeout:)`` reads the counter when no notification comes
    /// (a notification lost with a dropped connection delays a change by at most this).
    static let changePollInterval: Duration = .milliseconds(500)
    /// How many times one call runs at most: again after a reused connection turned out cut, or
    /// after the server aborted it for a serialisation failure or a deadlock (then
    /// ``AppVault/VaultError/busy``).
    static let attempts = 3

    private init(address: PostgresAddress, poolSize: Int, logger: Logger) {
        self.address = address
        pool = ConnectionPool(address: address, capacity: poolSize, logger: logger)
        listener = ChangeListener(address: address)
    }

    /// Opens the vault in the database at `address`: checks that its tables are an appvault
    /// vault of this format version.
    package static func open(_ address: PostgresAddress, poolSize: Int = defaultPoolSize,
                             logger: Logger = Logger(label: "appvault.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        throws(VaultError) -> PostgresStore
    {
        let store = PostgresStore(address: address, poolSize: poolSize, logger: logger)
        try store.checkFormat()
        return store
    }

    /// Connects to the empty database at `address` for a new vault (``AppVault/StoreWriter/createSchema()``
    /// makes the tables); fails at once when it holds a vault or other tables.
    package static func create(_ address: PostgresAddress, poolSize: Int = defaultPoolSize,
                               logger: Logger = Logger(label: "appvault.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        throws(VaultError) -> PostgresStore
    {
        let store = PostgresStore(address: address, poolSize: poolSize, logger: logger)
        let (ours, total) = try store.census()
        if ours > 0 { throw .vaultExists(address.location) }
        if total > 0 {
            throw .invalidInput("\(address.location) holds other tables; give the vault an empty database of its own (createdb -O USER NAME)")
        }
        return store
    }

    /// Refuses a database without a vault, another application's tables, or another format.
    private func checkFormat() throws(VaultError) {
        let (ours, _) = try census()
        if ours == 0 { throw .vaultNotFound(location) }
        let format = try run(.read) { transaction throws(VaultError) in try transaction.format() }
        guard let (application, version) = format, application == PostgresSchema.application else {
            throw .tampered("the database's tables are not an appvault vault (vault_format is missing or names another application)")
        }
        guard version == StoreFormat.version else {
            throw .unsupportedFormat(found: Int(version), supported: StoreFormat.version)
        }
    }

    private func census() throws(VaultError) -> (ours: Int64, total: Int64) {
        try run(.read) { transaction throws(VaultError) in try transaction.census() }
    }

    /// How a call uses its connection.
    private enum Mode {
        /// One REPEATABLE READ, READ ONLY transaction: one snapshot, no locks.
        case read
        /// One READ COMMITTED transaction; its first statement locks the state row.
        case write
        /// One statement on its own (autocommit), for the commit-counter hint.
        case single

        var begin: String? {
            switch self {
            case .read: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            case .write: "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE"
            case .single: nil
            }
        }
    }

    package func read<T>(_ body: (any StoreReader) throws -> T) throws(VaultError) -> T {
        try run(.read) { transaction throws(VaultError) in
            do { return try body(transaction) } catch { throw error as? VaultError ?? .storage(String(describing: error)) }
        }
    }

    package func write<T>(_ body: (any StoreWriter) throws -> T) throws(VaultError) -> T {
        try run(.write) { transaction throws(VaultError) in
            do { return try body(transaction) } catch { throw error as? VaultError ?? .storage(String(describing: error)) }
        }
    }

    /// Runs `body` on a pooled connection, in one transaction unless `mode` is single.
    ///
    /// Run again: when a reused connection turns out to be cut before anything of the caller's
    /// ran (its BEGIN, or the single statement, found it cut: the server restarted or failed
    /// over), and when the server aborted a transaction for a serialisation failure or a deadlock
    /// (nothing of it landed). Not run again: when the connection drops during a write's COMMIT,
    /// as the change may have landed; that is reported as unreachable, and the vault only ever
    /// hands out a secret after its commit returned. A read's snapshot stays valid whatever
    /// happens to its COMMIT.
    private func run<T>(_ mode: Mode, _ body: (PostgresTransaction) throws(VaultError) -> T) throws(VaultError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            let checkout = try pool.checkout()
            defer { pool.checkin(checkout) }
            let connection = checkout.connection
            let again = { (failure: PostgresFailure) -> Bool in
                guard attempt < Self.attempts else { return false }
                if failure.connectionLost && checkout.reused { self.pool.discardIdle(); return true }
                return failure.isRetryable
            }
            if let begin = mode.begin {
                do throws(PostgresFailure) {
                    try connection.simple(begin)
                } catch {
                    if again(error) { continue }
                    throw PostgresErrors.map(error, at: location)
                }
            }
            let transaction = PostgresTransaction(connection: connection, location: location)
            let result: T
            do throws(VaultError) {
                result = try body(transaction)
                if let failure = transaction.failure { throw PostgresErrors.map(failure, at: location) }
            } catch {
                if mode != .single { rollBack(connection) }
                if let failure = transaction.failure, mode == .single || failure.isRetryable, again(failure) { continue }
                throw error
            }
            guard mode == .write else {
                if mode == .read { try? connection.simple("COMMIT") }
                return result
            }
            let commit = transaction.writtenCounter.map { "NOTIFY \(PostgresSchema.channel), '\($0)'; COMMIT" } ?? "COMMIT"
            do throws(PostgresFailure) {
                try connection.simple(commit)
            } catch {
                if error.connectionLost {
                    throw .storeUnreachable("\(location): the connection was lost while committing, so the change may or may not have landed (`appvault audit` shows which)")
                }
                rollBack(connection)
                if error.isRetryable, again(error) { continue }
                throw PostgresErrors.map(error, at: location)
            }
            return result
        }
    }

    private func rollBack(_ connection: PostgresConnection) {
        guard !connection.isBroken else { return }
        try? connection.simple("ROLLBACK")
    }

    package func commitCounterHint() throws(VaultError) -> Int64 {
        try run(.single) { transaction throws(VaultError) in try transaction.counter() ?? -1 }
    }

    /// Wakes on the `appvault_commit` notification that every write transaction sends, and
    /// reads the counter at least every ``changePollInterval`` in case one is lost.
    package func waitForChange(after counter: Int64, timeout: Duration) throws(VaultError) -> Int64 {
        let deadline = ContinuousClock.now + timeout
        while true {
            try listener.listen()
            let current = try commitCounterHint()
            let now = ContinuousClock.now
            if current != counter || now >= deadline { return current }
            _ = listener.wait(timeout: min(deadline - now, Self.changePollInterval))
        }
    }

    /// Nothing to do: PostgreSQL makes every commit durable before acknowledging it, and
    /// manages its own write-ahead log (docs/postgresql.md says what stays in it).
    package func checkpoint() {}
}
