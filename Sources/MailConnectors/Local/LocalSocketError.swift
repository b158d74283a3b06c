/// Why a local endpoint (the agent's Unix socket or loopback port) was not trusted or not
/// reached. Nothing was sent to it.
public enum LocalSocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path is empty, relative, or longer than a Unix socket address allows (107 bytes).
    /// Use a shorter absolute path.
    case invalidPath(String)
    /// The socket's folder does not exist (or is not a folder, or is a symbolic link). Is the
    /// agent running? Check the path.
    case folderMissing(String)
    /// The socket's folder belongs to another user: someone else could have planted the socket.
    /// Use your own runtime folder.
    case folderNotOwned(path: String, owner: UInt32, expected: UInt32)
    /// Others may enter or write to the socket's folder (it must be mode 0700).
    /// `chmod 700` it, or use a private folder.
    case folderNotPrivate(path: String, mode: UInt32)
    /// No socket at the path. Is the agent running?
    case socketMissing(String)
    /// The path is not a Unix socket.
    case notASocket(String)
    /// The socket belongs to another user.
    case socketNotOwned(path: String, owner: UInt32, expected: UInt32)
    /// Connecting failed (nobody listens, or the listener's queue is full); the text says why.
    case connectFailed(path: String, reason: String)
    /// The process answering on the socket runs as another user (SO_PEERCRED).
    case peerNotOwned(uid: UInt32, expected: UInt32)
    /// A loopback endpoint was asked for, but the address is not 127.0.0.0/8 or ::1.
    case notLoopback(String)

    public var description: String {
        switch self {
        case .invalidPath(let path): "'\(ConnectorError.sanitize(path))' is not a usable Unix socket path (absolute, at most 107 bytes)"
        case .folderMissing(let path): "the socket folder \(ConnectorError.sanitize(path)) does not exist or is not a plain folder"
        case .folderNotOwned(let path, let owner, let expected):
            "the socket folder \(ConnectorError.sanitize(path)) belongs to uid \(owner), not \(expected); refusing to use it"
        case .folderNotPrivate(let path, let mode):
            "the socket folder \(ConnectorError.sanitize(path)) has mode \(String(mode, radix: 8)); it must be 0700"
        case .socketMissing(let path): "no socket at \(ConnectorError.sanitize(path)); is the agent running?"
        case .notASocket(let path): "\(ConnectorError.sanitize(path)) is not a Unix socket"
        case .socketNotOwned(let path, let owner, let expected):
            "the socket \(ConnectorError.sanitize(path)) belongs to uid \(owner), not \(expected); refusing to use it"
        case .connectFailed(let path, let reason): "cannot connect to \(ConnectorError.sanitize(path)): \(reason)"
        case .peerNotOwned(let uid, let expected): "the process on the socket runs as uid \(uid), not \(expected); refusing to talk to it"
        case .notLoopback(let host): "\(ConnectorError.sanitize(host)) is not a loopback address"
        }
    }
}
