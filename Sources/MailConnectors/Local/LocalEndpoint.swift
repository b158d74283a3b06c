#if canImport(Glibc)
internal import Glibc
#endif

/// Where the appvault agent serves IMAP or SMTP for local programs.
///
/// The channel is plaintext (the credential is a local one, never the app password), so it is
/// allowed only to a Unix socket that passes ``CheckedUnixSocket``'s ownership checks, or to a
/// loopback address.
public enum LocalEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// A Unix socket (`$XDG_RUNTIME_DIR/appvault/imap.sock`); `owner` is the uid that must own
    /// its folder and socket and run the agent (nil: this process's uid).
    case unixSocket(path: String, owner: UInt32? = nil)
    /// A TCP port on a loopback address (`127.0.0.1` or `::1` only).
    case loopback(host: String = "127.0.0.1", port: Int)

    public var description: String {
        switch self {
        case .unixSocket(let path, _): "unix:\(ConnectorError.sanitize(path))"
        case .loopback(let host, let port): "\(ConnectorError.sanitize(host)):\(port)"
        }
    }

    /// A connected socket to the endpoint, after its checks.
    func connect(timeout: Duration) throws -> Int32 {
        switch self {
        case .unixSocket(let path, let owner):
            return try CheckedUnixSocket.connect(path: path, owner: owner)
        case .loopback(let host, let port):
            var v4 = in_addr()
            var v6 = in6_addr()
            let isLoopback = (inet_pton(AF_INET, host, &v4) == 1 && UInt32(bigEndian: v4.s_addr) >> 24 == 127)
                || (inet_pton(AF_INET6, host, &v6) == 1
                    && withUnsafeBytes(of: v6) { $0.dropLast().allSatisfy { $0 == 0 } && $0.last == 1 })
            guard isLoopback else { throw LocalSocketError.notLoopback(host) }
            return try TCPSocket.connect(host: host, port: port, timeout: timeout)
        }
    }
}
