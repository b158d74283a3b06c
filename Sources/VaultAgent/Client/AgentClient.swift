public import AppVault
public import VaultCrypto

/// Talks to a running agent over its Unix socket; one connection per request.
///
/// Every method throws ``AgentError``: ``AgentError/refused(_:)`` carries the agent's
/// error code (``AgentErrorCode/locked``, ``AgentErrorCode/leaseUsedUp``, ``AgentErrorCode/denied``...).
public struct AgentClient: Sendable {
    /// The agent's socket.
    public var socketPath: String
    /// How long to wait for the agent to accept the connection.
    public var connectTimeout: Duration
    /// How long to wait for a reply (an unlock runs Argon2id, which takes seconds).
    public var replyTimeout: Duration

    /// Creates a client for the agent at `socketPath` (default: ``SocketLocation/defaultPath()``).
    public init(socketPath: String? = nil, connectTimeout: Duration = .seconds(2), replyTimeout: Duration = .seconds(60)) {
        self.socketPath = socketPath ?? SocketLocation.defaultPath()
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }

    /// Whether the agent's vault is unlocked, its pid and idle-lock time.
    public func status() throws(AgentError) -> AgentStatus {
        switch try exchange(.status) {
        case .status(let status): return status
        default: throw .badReply("expected a status reply")
        }
    }

    /// Unlocks the agent's vault with a passphrase; the bytes are wiped after sending.
    public func unlock(passphrase: consuming SecureBytes) throws(AgentError) {
        try expectDone(exchange(.unlock(passphrase)))
    }

    /// Unlocks a key-file vault with the key file's contents; the bytes are wiped after sending.
    public func unlock(keyFileContents: consuming SecureBytes) throws(AgentError) {
        try expectDone(exchange(.unlockWithKeyFile(keyFileContents)))
    }

    /// Locks the agent's vault (its keys are zeroed).
    public func lock() throws(AgentError) {
        try expectDone(exchange(.lock))
    }

    /// Asks for a lease on `account` for `protocol`; `ttl` nil means the vault's default.
    public func lease(account: String, for protocol: MailProtocol, ttl: Duration? = nil, uses: Int = 1) throws(AgentError) -> Lease {
        guard let uses = UInt32(exactly: uses) else { throw .refused(AgentFailure(code: .invalidInput, message: "uses must be positive")) }
        return try expectLease(exchange(.lease(account: account, protocol: `protocol`, ttlSeconds: try seconds(ttl), uses: uses)))
    }

    /// Extends a lease; `ttl` nil means the vault's default.
    public func renew(lease id: String, ttl: Duration? = nil) throws(AgentError) -> Lease {
        try expectLease(exchange(.renew(leaseID: id, ttlSeconds: try seconds(ttl))))
    }

    /// Ends a lease for every process.
    public func revokeLease(id: String) throws(AgentError) {
        try expectDone(exchange(.revokeLease(leaseID: id)))
    }

    /// All live leases, fetched page by page.
    public func liveLeases() throws(AgentError) -> [Lease] {
        var leases: [Lease] = []
        while true {
            switch try exchange(.listLeases(offset: UInt32(clamping: leases.count))) {
            case .leases(let page):
                leases += page.leases
                if page.leases.isEmpty || leases.count >= Int(page.total) { return leases }
            default:
                throw .badReply("expected a lease list")
            }
        }
    }

    /// Spends one use of `lease` and returns its secret in guarded memory.
    func fetchSecret(_ lease: Lease, for protocol: MailProtocol) throws(AgentError) -> SecureBytes {
        switch try exchange(.redeem(lease: lease, protocol: `protocol`)) {
        case .secret(let secret): return secret
        default: throw .badReply("expected a secret")
        }
    }

    private func seconds(_ ttl: Duration?) throws(AgentError) -> UInt32 {
        guard let ttl else { return 0 }
        guard ttl >= .seconds(1), let whole = UInt32(exactly: ttl.components.seconds) else {
            throw .refused(AgentFailure(code: .invalidInput, message: "a lease TTL must be a whole number of seconds, at least 1"))
        }
        return whole
    }

    private func expectDone(_ response: consuming AgentResponse) throws(AgentError) {
        switch consume response {
        case .done: return
        default: throw .badReply("expected an acknowledgement")
        }
    }

    private func expectLease(_ response: consuming AgentResponse) throws(AgentError) -> Lease {
        switch consume response {
        case .lease(let lease): return lease
        default: throw .badReply("expected a lease")
        }
    }

    /// Sends one request on a new connection and reads its reply; failures are thrown.
    private func exchange(_ request: consuming AgentRequest) throws(AgentError) -> AgentResponse {
        let id = UInt32.random(in: 1...UInt32.max)
        let outgoing: WireBuffer
        do {
            outgoing = try RequestCodec.encode(RequestFrame(id: id, request: request))
        } catch {
            throw .refused(AgentFailure(code: .invalidInput, message: error.description))
        }
        let channel = try connect()
        // An agent that refuses the connection (policy, connection cap) may reply and close
        // before the request is sent; its reply is still read below.
        var sendFailure: ChannelError?
        do {
            try channel.write(outgoing, timeout: replyTimeout)
        } catch {
            if error == .timedOut { throw describe(error, "sending the request") }
            sendFailure = error
        }
        var incoming = WireBuffer(capacity: WireFormat.maxBodyBytes)
        do {
            try channel.readFrame(into: &incoming, idleTimeout: replyTimeout, frameTimeout: replyTimeout)
        } catch {
            if let sendFailure { throw describe(sendFailure, "sending the request") }
            throw describe(error, "reading the reply")
        }
        let reply: ResponseFrame
        do {
            reply = try incoming.withBytes { (body) throws(ProtocolError) in try ResponseCodec.decode(body: body) }
        } catch {
            throw .badReply(error.description)
        }
        let replyID = reply.id
        let response = reply.response
        if response.failureCode != nil, replyID == id || replyID == 0 {
            throw .refused(Self.failure(of: response))
        }
        guard replyID == id else { throw .badReply("reply for request \(replyID), expected \(id)") }
        return response
    }

    private static func failure(of response: consuming AgentResponse) -> AgentFailure {
        switch consume response {
        case .failure(let failure): failure
        default: AgentFailure(code: .internalError, message: "not a failure")
        }
    }

    private func connect() throws(AgentError) -> FrameChannel {
        let milliseconds = Int32(clamping: connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000)
        do {
            return FrameChannel(adopting: try UnixSocket.connect(to: socketPath, timeoutMilliseconds: milliseconds))
        } catch {
            switch error.errno {
            case 2, 111: throw .notRunning(socketPath)  // ENOENT, ECONNREFUSED
            case 110: throw .timedOut("connecting to \(socketPath)")  // ETIMEDOUT
            default: throw .system(error)
            }
        }
    }

    private func describe(_ error: ChannelError, _ what: String) -> AgentError {
        switch error {
        case .closed: .badReply("the agent closed the connection while \(what)")
        case .timedOut: .timedOut(what)
        case .invalid(let problem): .badReply(problem.description)
        case .system(let failure): .system(failure)
        }
    }
}
