/// Who is on the other end of a local endpoint connection, as the agent identified it.
package struct ProxyPeer: Sendable, Hashable, CustomStringConvertible {
    /// The peer's uid: `SO_PEERCRED` on a Unix socket, or the owner of a loopback TCP socket;
    /// nil if unknown.
    package var uid: UInt32?
    /// For logs and the audit log, e.g. `uid 1000 pid 42 /usr/bin/python3.11`. The proxy
    /// sanitises it before logging.
    package var description: String
    /// What failed logins are counted against (a uid, an executable, an address): peers with
    /// the same key share one back-off.
    package var rateLimitKey: String
    /// The peer's executable, when the agent could read it (Unix sockets).
    package var executable: String?
    /// Whether the executable may stand for the peer in a policy rule (unchangeable by the peer,
    /// no injected libraries).
    package var executableTrusted: Bool

    /// Creates a peer description.
    package init(uid: UInt32?, description: String, rateLimitKey: String, executable: String? = nil,
                 executableTrusted: Bool = false) {
        self.uid = uid
        self.description = description
        self.rateLimitKey = rateLimitKey
        self.executable = executable
        self.executableTrusted = executableTrusted
    }
}
