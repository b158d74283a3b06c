#if canImport(Glibc)
internal import Glibc
#endif

/// A connected byte stream (plain or TLS) that a relay drives itself with `poll`: every call
/// returns at once, with what it did or what to wait for.
///
/// Implemented by a mail server connection handed over after login (`IMAPClient` and
/// `SMTPClient` ``IMAPClient/handOverConnection()``) and by ``LocalStream``, the local client's
/// side. Not thread-safe: one relay thread uses a stream at a time.
package protocol RelayStream: AnyObject {
    /// The socket to poll. Negative once closed.
    var descriptor: Int32 { get }
    /// Whether bytes are already received and waiting in user space (the stream's own buffer,
    /// or records OpenSSL decrypted but not yet returned, `SSL_pending`). `poll` does not see
    /// them: read them before waiting on the socket.
    var hasPendingInput: Bool { get }
    /// Reads up to `buffer.count` bytes that are available now.
    func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> StreamProgress
    /// Writes as much of `bytes` as the socket takes now. After ``StreamProgress/wait(_:)`` the
    /// next call must pass the same bytes again (OpenSSL's rule for retried writes).
    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> StreamProgress
    /// Closes the stream (TLS close_notify first, without waiting). Safe to call twice.
    func close()
}

/// What one non-blocking read or write on a ``RelayStream`` did.
package enum StreamProgress: Equatable, Sendable {
    /// Moved this many bytes (more than zero).
    case transferred(Int)
    /// Moved nothing now; poll the socket for this readiness and call again.
    case wait(StreamReadiness)
    /// The peer ended the stream in order (EOF, or TLS close_notify).
    case closed
    /// The stream broke (reset, TLS alert, bad record); the text says how, for logs.
    case failed(String)
}

/// What a stream waits for before the next call can make progress.
package enum StreamReadiness: Sendable {
    /// Input on the socket (`POLLIN`).
    case readable
    /// Room in the socket's send buffer (`POLLOUT`); TLS may need it even to read.
    case writable

    /// The `poll` event bits for this readiness.
    package var pollEvents: Int16 {
        switch self {
        case .readable: Int16(POLLIN)
        case .writable: Int16(POLLOUT)
        }
    }
}
