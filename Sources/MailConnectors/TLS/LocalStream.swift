internal import COpenSSL
#if canImport(Glibc)
internal import Glibc
#endif

/// The local client's side of a proxied session: a connected socket the agent accepted,
/// plaintext or with server-side TLS started by ``startTLS(_:timeout:)`` (implicit TLS right
/// after accept, or after a STARTTLS command).
///
/// Owns the descriptor: ``close()`` (or deinit) closes it. Non-blocking; driven with `poll`.
package final class LocalStream: RelayStream {
    package private(set) var descriptor: Int32
    private var ssl: OpaquePointer?

    /// Takes ownership of the connected socket `descriptor` and makes it non-blocking. On TCP it
    /// also turns off Nagle's algorithm: a response's last small segment must not wait for the
    /// client's delayed ACK (40 ms per response otherwise). On a Unix socket that option fails
    /// harmlessly.
    package init(descriptor: Int32) {
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var noDelay: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Whether TLS is running on the stream.
    package var isTLS: Bool { ssl != nil }

    package var hasPendingInput: Bool { ssl.map(NonBlockingIO.hasPending(ssl:)) ?? false }

    /// Runs the server side of a TLS handshake with `context`'s certificate.
    /// - Throws: ``ServerTLSError/handshakeFailed(_:)`` or ``ServerTLSError/handshakeTimedOut``.
    package func startTLS(_ context: ServerTLSContext, timeout: Duration) throws(ServerTLSError) {
        precondition(ssl == nil, "TLS already started")
        ERR_clear_error()
        guard descriptor >= 0, let session = SSL_new(context.context) else {
            throw .handshakeFailed(OpenSSLError.drain().summary)
        }
        ssl = session
        guard SSL_set_fd(session, descriptor) == 1 else { throw .handshakeFailed(OpenSSLError.drain().summary) }
        let deadline = Deadline(after: timeout)
        while true {
            ERR_clear_error()
            let result = SSL_accept(session)
            if result == 1 { return }
            let events: Int32
            switch SSL_get_error(session, result) {
            case SSL_ERROR_WANT_READ: events = POLLIN
            case SSL_ERROR_WANT_WRITE: events = POLLOUT
            case SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN:
                ERR_clear_error()
                throw .handshakeFailed("the client closed the connection")
            default:
                throw .handshakeFailed(OpenSSLError.drain().summary)
            }
            guard deadline.wait(fd: descriptor, for: Int16(events)) else { throw .handshakeTimedOut }
        }
    }

    package func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> StreamProgress {
        guard descriptor >= 0 else { return .failed("the connection is closed") }
        if let ssl { return NonBlockingIO.read(ssl: ssl, into: buffer) }
        return NonBlockingIO.read(fd: descriptor, into: buffer)
    }

    package func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> StreamProgress {
        guard descriptor >= 0 else { return .failed("the connection is closed") }
        if let ssl { return NonBlockingIO.write(ssl: ssl, bytes) }
        return NonBlockingIO.write(fd: descriptor, bytes)
    }

    package func close() {
        guard descriptor >= 0 else { return }
        if let ssl {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
            SSL_free(ssl)
            self.ssl = nil
        }
        Glibc.close(descriptor)
        descriptor = -1
    }
}
