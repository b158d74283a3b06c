/// Where a vault's rows live: the embedded SQLite file (``SQLiteStore``) or a shared PostgreSQL
/// database. Every implementation passes the same test suite.
///
/// A store holds bytes and decides nothing: it never sees a key, and every row it returns is
/// checked by the vault (sealed bodies, the integrity tree, the MAC'd state row). What a store
/// must guarantee is atomicity and serialisation: ``write(_:)`` runs its body in one
/// transaction that lands whole or not at all, and write transactions on one vault, from any
/// process or host, take effect one after another (the state row is the single point they all
/// update, so an implementation may serialise on it).
package protocol VaultStore: Sendable {
    /// Where the store is, for messages: a file path or a database address without secrets.
    var location: String { get }
    /// Reads from one consistent snapshot.
    func read<T>(_ body: (any StoreReader) throws -> T) throws(VaultError) -> T
    /// Runs `body` in one serialised write transaction; all of it lands, or none of it.
    func write<T>(_ body: (any StoreWriter) throws -> T) throws(VaultError) -> T
    /// The state row's commit counter, read cheaply and without verification: a hint that
    /// another process or host committed a change. -1 before the first commit.
    func commitCounterHint() throws(VaultError) -> Int64
    /// Waits until the commit counter may have moved past `counter`, or `timeout` passes, and
    /// returns the counter hint then. SQLite polls the file; PostgreSQL wakes on LISTEN/NOTIFY
    /// and polls as a fallback, so a missed notification delays a change by at most one poll.
    func waitForChange(after counter: Int64, timeout: Duration) throws(VaultError) -> Int64
    /// Makes committed data durable and compact where the backend needs it (SQLite truncates its
    /// write-ahead log, so a destroyed secret does not linger there). Best effort.
    func checkpoint()
}

/// Reading rows inside a transaction or snapshot.
package protocol StoreReader {
    func header() throws -> StoredHeader?
    func state() throws -> StoredState?
    func record(_ kind: RecordKind, key: [UInt8]) throws -> StoredRecord?
    func records(_ kind: RecordKind, ref: [UInt8]) throws -> [StoredRecord]
    func records(_ kind: RecordKind, tag: [UInt8]) throws -> [StoredRecord]
    func records(_ kind: RecordKind) throws -> [StoredRecord]
    /// Tree nodes by id; missing ids are absent from the result (an empty node).
    func treeNodes(_ ids: [Int64]) throws -> [Int64: [UInt8]]
    /// Every tree node (for a full verification).
    func allTreeNodes() throws -> [Int64: [UInt8]]
    /// Audit entries with a sequence number above `sequence`, oldest first, at most `limit`.
    func auditEntries(after sequence: Int64, limit: Int) throws -> [StoredAuditEntry]
    /// The highest sequence number in the audit log (0 when empty), whatever the state row says.
    func lastAuditSequence() throws -> Int64
}

/// Writing rows inside a write transaction.
package protocol StoreWriter: StoreReader {
    /// Creates the tables of an empty store; throws ``VaultError/vaultExists(_:)`` when the store
    /// already holds a vault.
    func createSchema() throws
    /// The state row, locked against other writers until the transaction ends.
    func lockedState() throws -> StoredState?
    func putHeader(_ header: StoredHeader) throws
    func putState(_ state: StoredState) throws
    func put(_ record: StoredRecord) throws
    func delete(_ kind: RecordKind, key: [UInt8]) throws
    func putTreeNodes(_ nodes: [Int64: [UInt8]]) throws
    func appendAudit(_ entry: StoredAuditEntry) throws
}
