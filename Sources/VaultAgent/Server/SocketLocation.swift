internal import Foundation
internal import Glibc

/// Where the agent's socket lives, and making that place safe before listening.
public enum SocketLocation {
    /// `$APPVAULT_AGENT_SOCK`, else `$XDG_RUNTIME_DIR/appvault/agent.sock`, else
    /// `/tmp/appvault-UID/agent.sock` (a folder that must then be ours, mode 0700).
    public static func defaultPath() -> String {
        // getenv, not ProcessInfo.environment: building the whole dictionary is a measurable part
        // of a short command's start-up (docs/performance.md).
        var environment = [String: String]()
        for name in ["APPVAULT_AGENT_SOCK", "XDG_RUNTIME_DIR"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return defaultPath(environment: environment, uid: Posix.currentUID)
    }

    /// The default path for a given environment and uid.
    public static func defaultPath(environment: [String: String], uid: UInt32) -> String {
        if let explicit = environment["APPVAULT_AGENT_SOCK"], !explicit.isEmpty { return explicit }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return runtime + "/appvault/agent.sock"
        }
        return "/tmp/appvault-\(uid)/agent.sock"
    }

    /// Creates or tightens the socket's folder (0700, or 0710 for `group`; ours, not a symbolic
    /// link) and removes a stale socket; refuses when a live agent answers there or the path is
    /// something else.
    static func prepare(_ path: String, uid: UInt32, group: UInt32? = nil) throws(AgentError) {
        guard path.hasPrefix("/"), path.utf8.count <= UnixSocket.maxPathBytes else {
            throw .unsafeSocketPath(path: path, problem: "must be an absolute path of at most \(UnixSocket.maxPathBytes) bytes")
        }
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if try Posix.status(folder) == nil {
                try Posix.makeDirectory(folder, mode: 0o700)
            }
            guard let info = try Posix.status(folder), info.kind == .directory else {
                throw AgentError.unsafeSocketPath(path: path, problem: "\(folder) is not a folder (or is a symbolic link)")
            }
            guard info.uid == uid else {
                throw AgentError.unsafeSocketPath(path: path, problem: "\(folder) belongs to uid \(info.uid), not \(uid)")
            }
            let mode: UInt32 = group == nil ? 0o700 : 0o710
            if let group { try Posix.changeGroup(folder, group) }
            if info.mode & 0o777 != mode {
                try Posix.changeMode(folder, mode)
            }
            guard let existing = try Posix.status(path) else { return }
            guard existing.kind == .socket else {
                throw AgentError.unsafeSocketPath(path: path, problem: "exists and is not a socket; remove it yourself")
            }
            if let live = try? UnixSocket.connect(to: path, timeoutMilliseconds: 500) {
                Posix.close(live)
                throw AgentError.alreadyRunning(path)
            }
            try Posix.removeFile(path)
        } catch let error as AgentError {
            throw error
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .unsafeSocketPath(path: path, problem: "\(error)")
        }
    }

    /// Binds and listens at `path` with mode 0600 (0660 owned by `group`), whatever the umask.
    static func listen(at path: String, backlog: Int32, group: UInt32? = nil) throws(AgentError) -> Int32 {
        let previous = Posix.setUmask(0o177)
        defer { _ = Posix.setUmask(previous) }
        do {
            let fd = try UnixSocket.listen(at: path, backlog: backlog)
            if let group { try Posix.changeGroup(path, group) }
            try Posix.changeMode(path, group == nil ? 0o600 : 0o660)
            return fd
        } catch {
            throw .system(error)
        }
    }
}
