#if canImport(Glibc)
internal import Glibc
#endif

/// Connecting to a Unix socket only after checking who could have put it there and who
/// answers on it: the agent's IMAP/SMTP endpoints and its control socket.
///
/// Before a byte is sent: the socket's folder must be a real folder (not a symbolic link)
/// owned by the expected user with mode 0700, the socket must be a socket owned by that user,
/// and the connected peer's credentials (SO_PEERCRED) must be that user's. The folder is opened
/// once and the socket reached through that open folder (`/proc/self/fd/N/name`), so nothing can
/// swap the folder between the checks and the connect.
package enum CheckedUnixSocket {
    /// Connects to `path`; `owner` defaults to the calling process's uid.
    /// - Returns: a connected, blocking, close-on-exec socket descriptor (the caller closes it).
    package static func connect(path: String, owner: UInt32? = nil) throws(LocalSocketError) -> Int32 {
        let expected = owner ?? getuid()
        guard path.hasPrefix("/"), !path.hasSuffix("/"), path.utf8.count <= 107, !path.utf8.contains(0) else {
            throw .invalidPath(path)
        }
        let slash = path.lastIndex(of: "/")!
        let folderPath = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        let folder = open(folderPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else { throw .folderMissing(folderPath) }
        defer { close(folder) }
        var info = stat()
        guard fstat(folder, &info) == 0 else { throw .folderMissing(folderPath) }
        guard info.st_uid == expected else { throw .folderNotOwned(path: folderPath, owner: info.st_uid, expected: expected) }
        guard info.st_mode & 0o077 == 0 else { throw .folderNotPrivate(path: folderPath, mode: info.st_mode & 0o7777) }
        guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw .socketMissing(path) }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
        guard info.st_uid == expected else { throw .socketNotOwned(path: path, owner: info.st_uid, expected: expected) }

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(path: path, reason: String(cString: strerror(errno))) }
        let through = "/proc/self/fd/\(folder)/\(name)"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard through.utf8.count < capacity else {
            close(fd)
            throw .invalidPath(path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: through.utf8)
            raw[through.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .connectFailed(path: path, reason: reason)
        }
        do {
            try checkPeer(fd, expected: expected)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Checks that the process at the other end of connected Unix socket `fd` runs as `expected`.
    package static func checkPeer(_ fd: Int32, expected: UInt32) throws(LocalSocketError) {
        var credentials = PeerCredentialsLayout()
        var length = socklen_t(MemoryLayout<PeerCredentialsLayout>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw .connectFailed(path: "fd \(fd)", reason: "no peer credentials: \(String(cString: strerror(errno)))")
        }
        guard credentials.uid == expected else { throw .peerNotOwned(uid: credentials.uid, expected: expected) }
    }
}

/// The layout of `struct ucred` (pid, uid, gid), which Glibc exposes only under `_GNU_SOURCE`.
private struct PeerCredentialsLayout {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
