import AppVault
import Glibc
internal import CLibPQ

/// One libpq connection: connected with the address's checks, statements prepared once and run
/// with binary parameters and results, notifications read without blocking longer than asked.
///
/// `@unchecked Sendable` because the pool hands a connection to one thread at a time (libpq
/// allows a connection to move between threads, never to be used by two at once): only
/// ``ConnectionPool`` and ``ChangeListener`` hold them, each under its own lock or checkout.
final class PostgresConnection: @unchecked Sendable {
    private let pointer: OpaquePointer
    private var statements: [String: String] = [:]

    private init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { appvault_PQfinish()!(pointer) }

    /// Session settings: a writer waits at most 5 s for another's lock (then "busy", like
    /// SQLite's busy time-out); a transaction left idle (a client frozen while it holds the
    /// state row) is ended by the server after 60 s; a commit is never acknowledged before it
    /// is durable (`synchronous_commit` off or local would lose confirmed changes in a crash or
    /// a fail-over, so it is raised to on; remote_write and remote_apply are kept).
    static let sessionSetup = """
        SET lock_timeout = '5s'; SET idle_in_transaction_session_timeout = '60s';
        SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') IN ('off', 'local')
        """

    /// Connects to `address` and checks how: over a Unix socket, or over TLS with
    /// `sslmode=verify-full` (a service file cannot weaken it).
    static func connect(_ address: PostgresAddress) throws(VaultError) -> PostgresConnection {
        let keys = PostgresAddress.defaults.map(\.0) + ["dbname"]
        let values = PostgresAddress.defaults.map(\.1) + [address.connectionString]
        let made = withCStrings(keys) { keyPointers in
            withCStrings(values) { valuePointers in appvault_PQconnectdbParams()!(keyPointers, valuePointers, 1) }
        }
        guard let made else { throw .storeUnreachable("\(address.location): libpq could not allocate a connection") }
        let connection = PostgresConnection(pointer: made)
        guard appvault_PQstatus()!(made) == CONNECTION_OK else {
            throw .storeUnreachable("\(address.location): \(connection.errorMessage); nothing was changed")
        }
        appvault_pq_silence_notices(made)
        try connection.checkTransport(address)
        do {
            try connection.simple(sessionSetup)
        } catch {
            throw PostgresErrors.map(error, at: address.location)
        }
        return connection
    }

    /// Refuses a network connection that is not TLS with `sslmode=verify-full`.
    private func checkTransport(_ address: PostgresAddress) throws(VaultError) {
        let host = appvault_PQhost()!(pointer).map { String(cString: $0) } ?? ""
        if host.hasPrefix("/") || host.hasPrefix("@") { return }
        guard appvault_PQsslInUse()!(pointer) == 1, setting("sslmode") == "verify-full" else {
            throw .invalidInput("\(address.location) was reached over the network without TLS and sslmode=verify-full (check the service file or PGSSLMODE); appvault refuses such a connection")
        }
    }

    /// The value libpq used for connection option `name`.
    private func setting(_ name: String) -> String? {
        guard let options = appvault_PQconninfo()!(pointer) else { return nil }
        defer { appvault_PQconninfoFree()!(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == name { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// Whether the connection can still be used (not dropped) and is outside any transaction.
    var isIdleAndHealthy: Bool {
        appvault_PQstatus()!(pointer) == CONNECTION_OK && appvault_PQtransactionStatus()!(pointer) == PQTRANS_IDLE
    }

    /// Whether the connection was dropped.
    var isBroken: Bool { appvault_PQstatus()!(pointer) != CONNECTION_OK }

    /// The server address of this connection (`host:port`), for logs.
    var server: String {
        let host = appvault_PQhost()!(pointer).map { String(cString: $0) } ?? "?"
        let port = appvault_PQport()!(pointer).map { String(cString: $0) } ?? "?"
        return PostgresAddress.printable(host + ":" + port)
    }

    private var errorMessage: String {
        let text = appvault_PQerrorMessage()!(pointer).map { String(cString: $0) } ?? "unknown libpq error"
        return PostgresAddress.printable(text.trimmingCharacters(in: [" ", "\n", "\t"]).replacingNewlines())
    }

    // MARK: - Statements

    /// Runs one or more statements without parameters (text protocol), ignoring their rows.
    func simple(_ sql: String) throws(PostgresFailure) {
        let result = appvault_PQexec()!(pointer, sql)
        try check(result).map { appvault_PQclear()!($0) }
    }

    /// Runs `sql` with binary parameters and binary results, preparing it on first use.
    @discardableResult
    func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresFailure) -> PostgresResult {
        let name = try prepared(sql, parameters)
        let encoded = parameters.map(\.encoded)
        let lengths = encoded.map { Int32($0?.count ?? 0) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        let result = withByteArrays(encoded) { values in
            appvault_PQexecPrepared()!(pointer, name, Int32(parameters.count), values, lengths, formats, 1)
        }
        guard let checked = try check(result) else {
            throw PostgresFailure(sqlState: nil, message: "no result", connectionLost: isBroken)
        }
        return PostgresResult(adopting: checked)
    }

    private func prepared(_ sql: String, _ parameters: [PostgresValue]) throws(PostgresFailure) -> String {
        if let name = statements[sql] { return name }
        let name = "appvault_\(statements.count + 1)"
        let types = parameters.map(\.oid)
        let result = appvault_PQprepare()!(pointer, name, sql, Int32(types.count), types)
        try check(result).map { appvault_PQclear()!($0) }
        statements[sql] = name
        return name
    }

    /// Passes a successful result on; turns a failed or missing one into a ``PostgresFailure``.
    private func check(_ result: OpaquePointer?) throws(PostgresFailure) -> OpaquePointer? {
        guard let result else {
            throw PostgresFailure(sqlState: nil, message: errorMessage, connectionLost: true)
        }
        switch appvault_PQresultStatus()!(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        default:
            let state = appvault_PQresultErrorField()!(result, appvault_pq_diag_sqlstate()).map { String(cString: $0) }
            let primary = appvault_PQresultErrorField()!(result, appvault_pq_diag_message_primary()).map { String(cString: $0) }
            appvault_PQclear()!(result)
            let message = primary.map { PostgresAddress.printable($0) } ?? errorMessage
            throw PostgresFailure(sqlState: state, message: message, connectionLost: isBroken)
        }
    }

    // MARK: - Notifications

    /// Reads what the server sent and returns how many notifications arrived, waiting up to
    /// `timeout` for the first one.
    func awaitNotifications(timeout: Duration) throws(PostgresFailure) -> Int {
        var count = try drainNotifications()
        if count > 0 { return count }
        var descriptor = pollfd(fd: appvault_PQsocket()!(pointer), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw PostgresFailure(sqlState: nil, message: "the connection has no socket", connectionLost: true) }
        let milliseconds = Int32(clamping: max(0, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        if poll(&descriptor, 1, milliseconds) > 0 { count = try drainNotifications() }
        return count
    }

    private func drainNotifications() throws(PostgresFailure) -> Int {
        guard appvault_PQconsumeInput()!(pointer) == 1 else {
            throw PostgresFailure(sqlState: nil, message: errorMessage, connectionLost: true)
        }
        var count = 0
        while let notification = appvault_PQnotifies()!(pointer) {
            appvault_PQfreemem()!(notification)
            count += 1
        }
        return count
    }
}

extension String {
    /// The text on one line (libpq's messages span several).
    func replacingNewlines() -> String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    }
}

/// Calls `body` with a C array of C strings, valid only during the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with a C array of byte pointers (nil for NULL), valid only during the call.
private func withByteArrays<R>(_ arrays: [[UInt8]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let buffers: [UnsafeMutableRawPointer?] = arrays.map { bytes in
        guard let bytes else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count) }
        return buffer
    }
    defer { buffers.forEach { $0?.deallocate() } }
    let pointers = buffers.map { $0.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
