#if canImport(Glibc)
internal import Glibc
#endif

/// Opening a non-blocking TCP connection with a time-out.
///
/// The descriptor is non-blocking; the stream above waits with `poll` against a ``Deadline``,
/// which is how every connect, handshake, read and write gets its time-out.
enum TCPSocket {
    /// Resolves `host` and connects to the first address that answers before `timeout`.
    static func connect(host: String, port: Int, timeout: Duration) throws(ConnectorError) -> Int32 {
        ignoreSIGPIPE
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .hostNotFound(host)
        }
        defer { freeaddrinfo(first) }
        let deadline = Deadline(after: timeout)
        var lastError = ConnectorError.hostNotFound(host)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var noDelay: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = .connectionFailed(host: host, port: port, reason: String(cString: strerror(errno)))
                close(fd)
                continue
            }
            guard deadline.wait(fd: fd, for: Int16(POLLOUT)) else {
                close(fd)
                throw .connectTimedOut(host: host, port: port)
            }
            var status: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &length)
            if status == 0 { return fd }
            lastError = .connectionFailed(host: host, port: port, reason: String(cString: strerror(status)))
            close(fd)
        }
        throw lastError
    }

    /// Writing to a socket the peer closed must fail with EPIPE, not kill the process; OpenSSL
    /// writes with plain `write`, so SIGPIPE is ignored once, process-wide (as swift-nio does).
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
