internal import COpenSSL
#if canImport(Glibc)
internal import Glibc
#endif

/// One read or write attempt on a non-blocking socket or OpenSSL session, as a
/// ``StreamProgress``: the shared core of every ``RelayStream``.
enum NonBlockingIO {
    /// `recv` once.
    static func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> StreamProgress {
        while true {
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received > 0 { return .transferred(received) }
            if received == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wait(.readable)
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    /// `send` once, without SIGPIPE.
    static func write(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> StreamProgress {
        while true {
            let sent = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if sent > 0 { return .transferred(sent) }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wait(.writable)
            case EPIPE, ECONNRESET: return .closed
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    /// `SSL_read_ex` once.
    static func read(ssl: OpaquePointer, into buffer: UnsafeMutableRawBufferPointer) -> StreamProgress {
        ERR_clear_error()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .transferred(count) }
        return outcome(ssl: ssl, code: SSL_get_error(ssl, 0))
    }

    /// `SSL_write_ex` once.
    static func write(ssl: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> StreamProgress {
        ERR_clear_error()
        var count = 0
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 { return .transferred(count) }
        return outcome(ssl: ssl, code: SSL_get_error(ssl, 0))
    }

    /// Whether OpenSSL holds decrypted bytes not yet read.
    static func hasPending(ssl: OpaquePointer) -> Bool { SSL_pending(ssl) > 0 }

    private static func outcome(ssl: OpaquePointer, code: Int32) -> StreamProgress {
        switch code {
        case SSL_ERROR_WANT_READ: return .wait(.readable)
        case SSL_ERROR_WANT_WRITE: return .wait(.writable)
        case SSL_ERROR_ZERO_RETURN: return .closed
        default:
            let queue = OpenSSLError.drain()
            if code == SSL_ERROR_SYSCALL || queue.contains(reason: SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                return .closed
            }
            return .failed("TLS: \(queue.summary)")
        }
    }
}
