internal import Glibc

/// Unix stream socket calls: create, bind/listen, accept, connect, peer credentials.
enum UnixSocket {
    /// The longest path a `sockaddr_un` holds (107 bytes plus the terminating zero).
    static let maxPathBytes = 107

    private static func address(_ path: String) throws(SystemError) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPathBytes else { throw SystemError("socket path", path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + 1
        return (address, socklen_t(length))
    }

    private static func makeSocket() throws(SystemError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        return fd
    }

    /// Creates a listening socket at `path` (which must not exist).
    static func listen(at path: String, backlog: Int32) throws(SystemError) -> Int32 {
        var (address, length) = try address(path)
        let fd = try makeSocket()
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = SystemError("bind", path)
            Posix.close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("listen", path)
            Posix.close(fd)
            throw error
        }
        return fd
    }

    /// Accepts one connection; nil when none is waiting.
    static func accept(_ listener: Int32) throws(SystemError) -> Int32? {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                // accept4 needs _GNU_SOURCE, which the Glibc module lacks; the agent never
                // forks, so setting close-on-exec right after is as good.
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return fd
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ECONNABORTED: return nil
            default: throw SystemError("accept")
            }
        }
    }

    /// Connects to the socket at `path`, giving up after `timeoutMilliseconds`.
    static func connect(to path: String, timeoutMilliseconds: Int32) throws(SystemError) -> Int32 {
        var (address, length) = try address(path)
        let fd = try makeSocket()
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if result != 0 {
            guard errno == EINPROGRESS || errno == EAGAIN else {
                let error = SystemError("connect", path)
                Posix.close(fd)
                throw error
            }
            let ready: Bool
            do {
                ready = try Posix.waitFor(fd, writable: true, timeoutMilliseconds: timeoutMilliseconds)
            } catch {
                Posix.close(fd)
                throw error
            }
            guard ready else {
                Posix.close(fd)
                throw SystemError("connect", path, errno: ETIMEDOUT)
            }
            var socketError: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &size)
            guard socketError == 0 else {
                Posix.close(fd)
                throw SystemError("connect", path, errno: socketError)
            }
        }
        return fd
    }

    /// The kernel-verified uid, gid and pid of the process at the other end (`SO_PEERCRED`).
    static func peerCredentials(_ fd: Int32) throws(SystemError) -> (uid: UInt32, gid: UInt32, pid: Int32) {
        var credentials = PeerCredentialsLayout()
        var size = socklen_t(MemoryLayout<PeerCredentialsLayout>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0 else {
            throw SystemError("getsockopt(SO_PEERCRED)")
        }
        return (credentials.uid, credentials.gid, credentials.pid)
    }
}

/// The layout of `struct ucred` (pid, uid, gid), which Glibc exposes only under `_GNU_SOURCE`.
private struct PeerCredentialsLayout {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
