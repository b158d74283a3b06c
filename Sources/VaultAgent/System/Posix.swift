internal import Glibc

/// Thin wrappers over the Glibc calls the agent makes, each returning a typed error.
///
/// No Glibc type leaves this file except `pollfd` flags handled inside ``waitFor(_:events:timeoutMilliseconds:)``.
enum Posix {
    /// `EINTR`-safe wrapper for calls that return -1 and set errno.
    private static func retrying(_ body: () -> Int32) -> Int32 {
        while true {
            let result = body()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The real user id of this process.
    static var currentUID: UInt32 { getuid() }

    /// This process's id.
    static var currentPID: Int32 { getpid() }

    /// Whether `fd` became readable/writable (true) or the timeout passed (false).
    static func waitFor(_ fd: Int32, writable: Bool, timeoutMilliseconds: Int32) throws(SystemError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        let ready = retrying { poll(&entry, 1, timeoutMilliseconds) }
        guard ready >= 0 else { throw SystemError("poll") }
        return ready > 0
    }

    /// The indexes of `fds` that became readable within the timeout (none when it passed).
    static func readable(_ fds: [Int32], timeoutMilliseconds: Int32) throws(SystemError) -> [Int] {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = retrying { poll(&entries, nfds_t(entries.count), timeoutMilliseconds) }
        guard ready >= 0 else { throw SystemError("poll") }
        return entries.indices.filter { entries[$0].revents != 0 }
    }

    /// Reads what is available into `buffer`; 0 means the peer closed.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return -1 }
            throw SystemError("recv")
        }
    }

    /// Sends what the socket takes now; -1 when it would block. Never raises SIGPIPE.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let count = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return -1 }
            throw SystemError("send")
        }
    }

    /// The whole of a `/proc` file. Such files report a size of 0, so they are read until the end
    /// rather than by their size (as Foundation's file readers do, which yields nothing or a page).
    static func readProcFile(_ path: String, limit: Int = 16 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The target of a symbolic link, such as `/proc/PID/exe`.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Owner, mode and kind of a path, not following a final symbolic link.
    static func status(_ path: String) throws(SystemError) -> (uid: UInt32, mode: UInt32, kind: FileKind)? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SystemError("lstat", path)
        }
        let kind: FileKind = switch info.st_mode & S_IFMT {
        case S_IFDIR: .directory
        case S_IFSOCK: .socket
        default: .other
        }
        return (info.st_uid, info.st_mode & 0o7777, kind)
    }

    enum FileKind { case directory, socket, other }

    static func makeDirectory(_ path: String, mode: UInt32) throws(SystemError) {
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw SystemError("mkdir", path) }
    }

    static func changeMode(_ path: String, _ mode: UInt32) throws(SystemError) {
        guard chmod(path, mode) == 0 else { throw SystemError("chmod", path) }
    }

    static func changeGroup(_ path: String, _ group: UInt32) throws(SystemError) {
        guard lchown(path, UInt32.max, group) == 0 else { throw SystemError("chown", path) }
    }

    static func removeFile(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("unlink", path) }
    }

    /// Sets the process file-creation mask and returns the previous one.
    static func setUmask(_ mask: UInt32) -> UInt32 {
        umask(mask)
    }
}
