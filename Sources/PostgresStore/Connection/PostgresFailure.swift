/// What libpq or the server reported, kept apart from ``AppVault/VaultError`` (the domain error
/// that callers see, built by ``PostgresErrors``).
struct PostgresFailure: Error, Sendable, CustomStringConvertible {
    /// The server's five-character SQLSTATE, or nil when the failure happened before or without
    /// a server reply (a refused connection, a dropped one).
    var sqlState: String?
    /// libpq's or the server's message, without control characters.
    var message: String
    /// Whether the connection is unusable afterwards (dropped, reset, never made).
    var connectionLost: Bool

    var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    /// Serialisation failure or deadlock: the transaction did nothing and may run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}
