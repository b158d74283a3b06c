internal import Glibc
internal import Foundation

/// Who is at the other end of a connection, as the kernel reports it.
public struct PeerIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The peer's user id (`SO_PEERCRED`).
    public var uid: UInt32
    /// The peer's group id.
    public var gid: UInt32
    /// The peer's process id at connect time.
    public var pid: Int32
    /// The peer's executable (`/proc/PID/exe`), or nil when it cannot be read
    /// (the process ended, or belongs to another user and the agent is not root).
    public var executable: String?
    /// Whether the executable may stand for the peer in a policy rule: a file the peer's uid
    /// cannot change (owned by root or the agent's user, not writable by group or others), run
    /// without `LD_PRELOAD`, `LD_AUDIT` or `LD_LIBRARY_PATH` (which would put other code inside it).
    public var executableTrusted: Bool

    /// Creates an identity (tests build fake peers with it).
    public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String?, executableTrusted: Bool = true) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
        self.executableTrusted = executableTrusted
    }

    /// The lease holder text recorded in the vault: `uid 1000 pid 4242 /usr/bin/appvault`.
    public var description: String {
        "uid \(uid) pid \(pid) \(executable ?? "(unknown executable)")"
    }
}

/// A peer as the agent follows it over a connection: identified at connect, checked again
/// at every request.
package protocol ConnectedPeer: Sendable {
    /// The identity at connect time.
    var identity: PeerIdentity { get }
    /// The identity for a request now. Throws when the process that connected has exited (its
    /// pid may belong to another process by now) or has executed another program since it
    /// connected (an allowed executable `exec`'d after an unknown one connected).
    func current() throws(AgentFailure) -> PeerIdentity
}

/// Identifies the peer of a new connection. The server uses ``KernelPeerCredentials``;
/// policy tests inject a fixed peer.
package protocol PeerCredentialSource: Sendable {
    /// The peer connected on socket `fd`.
    func identify(socket fd: Int32) throws(SystemError) -> any ConnectedPeer
}

/// `SO_PEERCRED`, `/proc/PID/exe` and a pidfd pinning the process.
package struct KernelPeerCredentials: PeerCredentialSource {
    package init() {}

    package func identify(socket fd: Int32) throws(SystemError) -> any ConnectedPeer {
        let credentials = try UnixSocket.peerCredentials(fd)
        return KernelPeer(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
    }
}

/// A peer process pinned with a pidfd.
final class KernelPeer: ConnectedPeer, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; the handle is only read.
    let identity: PeerIdentity
    private let handle: ProcessHandleBox?
    private let executableFile: FileIdentity?

    init(uid: UInt32, gid: UInt32, pid: Int32) {
        if let opened = ProcessHandle(pid: pid) { handle = ProcessHandleBox(opened) } else { handle = nil }
        let executable = Posix.readLink("/proc/\(pid)/exe")
        executableFile = FileIdentity(path: "/proc/\(pid)/exe")
        let trusted = executableFile.map { Self.unchangeable($0, byUID: uid) } ?? false
            && !Self.preloads(pid: pid)
        identity = PeerIdentity(uid: uid, gid: gid, pid: pid, executable: executable, executableTrusted: trusted)
    }

    func current() throws(AgentFailure) -> PeerIdentity {
        guard let handle, handle.handle.isAlive else {
            throw AgentFailure(code: .denied, message: "the process that connected (pid \(identity.pid)) has exited; connect again")
        }
        let now = FileIdentity(path: "/proc/\(identity.pid)/exe")
        guard handle.handle.isAlive, now == executableFile else {
            throw AgentFailure(code: .denied, message: "the process that connected (pid \(identity.pid)) has executed another program since; connect again")
        }
        return identity
    }

    /// Whether a file cannot be changed by `uid`: owned by root or by the agent's user (not the
    /// peer, unless the peer is the agent's user), not writable by group or others.
    private static func unchangeable(_ file: FileIdentity, byUID uid: UInt32) -> Bool {
        let agent = Posix.currentUID
        let ownerOK = file.owner == 0 || (file.owner == agent && (uid == agent || uid == 0))
        return ownerOK && file.mode & 0o022 == 0
    }

    /// Whether the process runs with a dynamic-loader variable that injects other code; an
    /// environment that cannot be read counts as injected (fail closed).
    private static func preloads(pid: Int32) -> Bool {
        guard let text = Posix.readProcFile("/proc/\(pid)/environ", limit: 1 << 20) else { return true }
        return Array(text.utf8).split(separator: 0).contains { entry in
            ["LD_PRELOAD=", "LD_AUDIT=", "LD_LIBRARY_PATH="].contains { key in
                entry.count > key.utf8.count && entry.starts(with: Array(key.utf8))
            }
        }
    }
}

/// Holds the noncopyable process handle in a reference.
final class ProcessHandleBox: @unchecked Sendable {
    // @unchecked: the handle is immutable; `isAlive` is a read-only system call.
    let handle: ProcessHandle
    init(_ handle: consuming ProcessHandle) { self.handle = handle }
}

/// A file's device, inode, owner and mode, through a symbolic link such as `/proc/PID/exe`.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var owner: UInt32
    var mode: UInt32

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        owner = info.st_uid
        mode = info.st_mode & 0o7777
    }
}
