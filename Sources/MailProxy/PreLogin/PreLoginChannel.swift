internal import VaultCrypto

/// Where a pre-login dialogue reads commands and writes replies: the local client's connection
/// (``ClientChannel``), or memory for tests and the fuzz target (``MemoryChannel``).
///
/// Lines may carry a credential: implementations wipe every byte they hand out from their own
/// buffers, and dialogues wipe the lines they receive once parsed.
protocol PreLoginChannel {
    /// The next line without its CRLF (a bare LF also ends it).
    /// - Throws: ``PreLoginEnd/lineTooLong`` past the configured limit.
    mutating func readLine() throws(PreLoginEnd) -> [UInt8]
    /// Exactly `count` bytes: a public IMAP literal.
    mutating func readBytes(_ count: Int) throws(PreLoginEnd) -> [UInt8]
    /// Exactly `count` bytes straight into guarded memory: a credential sent as an IMAP literal.
    mutating func readSecret(_ count: Int) throws(PreLoginEnd) -> SecureBytes
    /// Sends a reply.
    mutating func send(_ bytes: [UInt8]) throws(PreLoginEnd)
}

/// Why a pre-login dialogue ended without a login: the connection is closed after it.
enum PreLoginEnd: Error, Equatable, Sendable, CustomStringConvertible {
    /// The client closed the connection.
    case closed
    /// The pre-login deadline passed (a stalled or dripping client).
    case timedOut
    /// A line longer than the limit: refused, and the connection closed.
    case lineTooLong
    /// An IMAP literal longer than the limit that the client sends without waiting (`{n+}`):
    /// it cannot be skipped safely, so the connection is closed.
    case literalTooLong
    /// The connection failed (reset, TLS error); the text says how.
    case failed(String)

    var description: String {
        switch self {
        case .closed: "the client closed the connection"
        case .timedOut: "the client did not log in in time"
        case .lineTooLong: "the client sent a line longer than the limit"
        case .literalTooLong: "the client sent a literal longer than the limit"
        case .failed(let reason): "the connection failed: \(reason)"
        }
    }
}
