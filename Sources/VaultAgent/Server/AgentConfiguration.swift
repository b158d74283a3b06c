public import AppVault

/// How an agent listens, whom it serves, and when it locks.
public struct AgentConfiguration: Sendable {
    /// The Unix socket to listen on (see ``SocketLocation/defaultPath()``).
    public var socketPath: String
    /// Lock the vault after this long without requests (`status` does not count); nil: never.
    public var idleLock: Duration?
    /// Who may ask for what.
    public var policy: AgentPolicy
    /// Connections served at once; more are answered `too-many-connections` and closed.
    public var maxConnections: Int
    /// A connection with no frame started for this long is closed.
    public var connectionIdleTimeout: Duration
    /// A frame must arrive whole within this time of its first byte (slowloris guard).
    public var frameTimeout: Duration
    /// Source of wall-clock time for the idle lock; tests inject one.
    public var clock: any VaultClock
    /// Whether `start` makes the process non-dumpable and disables core files.
    public var hardenProcess: Bool
    /// A group whose members may reach the sockets (folder 0710, sockets 0660, both of that
    /// group); nil keeps them to the agent's own user (0700, 0600). The policy still decides
    /// what each peer may do.
    public var socketGroup: UInt32?
    /// The IMAP and SMTP endpoints; nil serves control requests only.
    public var endpoints: EndpointConfiguration?

    /// Creates a configuration with the documented defaults.
    public init(socketPath: String, idleLock: Duration? = .seconds(15 * 60), policy: AgentPolicy = .ownerOnly,
                maxConnections: Int = 64, connectionIdleTimeout: Duration = .seconds(10),
                frameTimeout: Duration = .seconds(5), clock: any VaultClock = SystemClock(),
                hardenProcess: Bool = true, socketGroup: UInt32? = nil, endpoints: EndpointConfiguration? = nil) {
        self.socketPath = socketPath
        self.idleLock = idleLock
        self.policy = policy
        self.maxConnections = maxConnections
        self.connectionIdleTimeout = connectionIdleTimeout
        self.frameTimeout = frameTimeout
        self.clock = clock
        self.hardenProcess = hardenProcess
        self.socketGroup = socketGroup
        self.endpoints = endpoints
    }
}
