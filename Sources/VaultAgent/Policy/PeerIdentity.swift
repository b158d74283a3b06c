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

    /// Creates an identity (tests build fake peers with it).
    public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String?) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
    }

    /// The lease holder text recorded in the vault: `uid 1000 pid 4242 /usr/bin/appvault`.
    public var description: String {
        "uid \(uid) pid \(pid) \(executable ?? "(unknown executable)")"
    }
}

/// Reads the identity of a connected peer. The server uses ``KernelPeerCredentials``;
/// policy tests inject a fixed peer.
package protocol PeerCredentialSource: Sendable {
    /// The identity of the peer connected on socket `fd`.
    func identify(socket fd: Int32) throws(SystemError) -> PeerIdentity
}

/// `SO_PEERCRED` plus `/proc/PID/exe`.
package struct KernelPeerCredentials: PeerCredentialSource {
    package init() {}

    package func identify(socket fd: Int32) throws(SystemError) -> PeerIdentity {
        let credentials = try UnixSocket.peerCredentials(fd)
        return PeerIdentity(
            uid: credentials.uid, gid: credentials.gid, pid: credentials.pid,
            executable: Posix.readLink("/proc/\(credentials.pid)/exe"))
    }
}
