internal import Glibc

/// The checks a client makes before it sends a byte to an agent socket (issue 11, attack 2):
/// with `XDG_RUNTIME_DIR` unset the socket lives under `/tmp`, where another user could create
/// the folder first and run a fake agent to collect the passphrase.
enum SocketTrust {
    /// Refuses a socket whose folder or file does not belong to `owner`, whose folder others can
    /// write to, or that is not a socket.
    static func checkPath(_ path: String, owner: UInt32) throws(AgentError) {
        let folder = path.hasPrefix("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let folderStatus: (uid: UInt32, mode: UInt32, kind: Posix.FileKind)?
        do { folderStatus = try Posix.status(folder.isEmpty ? "/" : folder) } catch { throw .system(error) }
        guard let folderStatus else { throw .notRunning(path) }
        guard folderStatus.kind == .directory else {
            throw .unsafeSocketPath(path: path, problem: "\(folder) is not a folder (or is a symbolic link)")
        }
        guard folderStatus.uid == owner else {
            throw .unsafeSocketPath(path: path, problem: "its folder \(folder) belongs to uid \(folderStatus.uid), not \(owner): someone else may have planted it")
        }
        guard folderStatus.mode & 0o022 == 0 else {
            throw .unsafeSocketPath(path: path, problem: "its folder \(folder) is writable by others (mode \(String(folderStatus.mode, radix: 8)))")
        }
        let socketStatus: (uid: UInt32, mode: UInt32, kind: Posix.FileKind)?
        do { socketStatus = try Posix.status(path) } catch { throw .system(error) }
        guard let socketStatus else { throw .notRunning(path) }
        guard socketStatus.kind == .socket else { throw .unsafeSocketPath(path: path, problem: "it is not a socket") }
        guard socketStatus.uid == owner else {
            throw .unsafeSocketPath(path: path, problem: "the socket belongs to uid \(socketStatus.uid), not \(owner)")
        }
    }

    /// Refuses a connected socket whose peer process does not run as `owner` (`SO_PEERCRED`).
    static func checkPeer(_ fd: Int32, owner: UInt32, path: String) throws(AgentError) {
        let credentials: (uid: UInt32, gid: UInt32, pid: Int32)
        do { credentials = try UnixSocket.peerCredentials(fd) } catch { throw .system(error) }
        guard credentials.uid == owner else {
            throw .untrustedAgent("the process answering on \(path) (pid \(credentials.pid)) runs as uid \(credentials.uid), not \(owner)")
        }
    }
}
