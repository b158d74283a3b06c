public import AppVault
public import VaultCrypto

/// Talks to a running agent over its Unix socket.
///
/// A client keeps its connection open between requests (copies of the value share it; threads
/// that use it at the same moment each get a connection of their own), so a program that asks
/// often pays the connection's set-up and the agent's peer checks once. The agent closes a
/// connection idle for 10 s; the next request then reconnects.
///
/// Every method throws ``AgentError``: ``AgentError/refused(_:)`` carries the agent's
/// error code (``AgentErrorCode/locked``, ``AgentErrorCode/leaseUsedUp``, ``AgentErrorCode/denied``...).
public struct AgentClient: Sendable {
    /// The agent's socket.
    public var socketPath: String
    /// The uid the socket, its folder and the agent process must belong to (default: ours).
    public var agentUID: UInt32
    /// How long to wait for the agent to accept the connection.
    public var connectTimeout: Duration
    /// How long to wait for a reply (an unlock runs Argon2id, which takes seconds).
    public var replyTimeout: Duration
    /// The open connection, when no request is using it.
    private let idle = IdleConnection()

    /// Creates a client for the agent at `socketPath` (default: ``SocketLocation/defaultPath()``),
    /// run by `agentUID` (default: this process's user).
    public init(socketPath: String? = nil, agentUID: UInt32? = nil, connectTimeout: Duration = .seconds(2),
                replyTimeout: Duration = .seconds(60)) {
        self.socketPath = socketPath ?? SocketLocation.defaultPath()
        self.agentUID = agentUID ?? Posix.currentUID
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }

    /// Whether the agent's vault is unlocked, its pid, idle-lock time, vault id and endpoints.
    public func status() throws(AgentError) -> AgentStatus {
        switch try exchange(.status) {
        case .status(let status): return status
        default: throw .badReply("expected a status reply")
        }
    }

    /// The agent's status, after checking it serves the vault with id `vaultID`.
    public func status(servingVault vaultID: String) throws(AgentError) -> AgentStatus {
        let status = try status()
        guard status.vaultID == vaultID else {
            throw .untrustedAgent("the agent on \(socketPath) serves another vault (id \(status.vaultID.prefix(8))..., not \(vaultID.prefix(8))...)")
        }
        return status
    }

    /// Unlocks the agent's vault with a passphrase; the bytes are wiped after sending.
    public func unlock(passphrase: consuming SecureBytes) throws(AgentError) {
        try expectDone(exchange(.unlock(passphrase)))
    }

    /// Unlocks a key-file vault with the key file's contents; the bytes are wiped after sending.
    public func unlock(keyFileContents: consuming SecureBytes) throws(AgentError) {
        try expectDone(exchange(.unlockWithKeyFile(keyFileContents)))
    }

    /// Locks the agent's vault (its keys are zeroed, its sessions end).
    public func lock() throws(AgentError) {
        try expectDone(exchange(.lock))
    }

    /// Grants a one-session login lease on `account` for `protocol`; `body` receives the lease
    /// and its password (a local credential for the endpoints), which is wiped afterwards.
    public func grantLogin<Result>(account: String, for protocol: MailProtocol, ttl: Duration? = nil,
                                   _ body: (Lease, borrowing SecureBytes) throws -> Result) throws -> Result {
        switch try exchange(.grantLogin(account: account, protocol: `protocol`, ttlSeconds: try seconds(ttl))) {
        case .login(let issued): return try body(issued.subject, issued.text)
        default: throw AgentError.badReply("expected a login lease")
        }
    }

    /// Extends a lease; `ttl` nil means the vault's default.
    public func renew(lease id: String, ttl: Duration? = nil) throws(AgentError) -> Lease {
        switch try exchange(.renew(leaseID: id, ttlSeconds: try seconds(ttl))) {
        case .lease(let lease): return lease
        default: throw .badReply("expected a lease")
        }
    }

    /// Ends a lease (and the session it holds) for every process.
    public func revokeLease(id: String) throws(AgentError) {
        try expectDone(exchange(.revokeLease(leaseID: id)))
    }

    /// All live leases, fetched page by page.
    public func liveLeases() throws(AgentError) -> [Lease] {
        try pages { (offset) throws(AgentError) -> Page<Lease> in
            switch try exchange(.listLeases(offset: offset)) {
            case .leases(let page): return page
            default: throw .badReply("expected a lease list")
            }
        }
    }

    /// Every account with today's traffic, fetched page by page.
    public func accounts() throws(AgentError) -> [AccountSummary] {
        try pages { (offset) throws(AgentError) -> Page<AccountSummary> in
            switch try exchange(.listAccounts(offset: offset)) {
            case .accounts(let page): return page
            default: throw .badReply("expected an account list")
            }
        }
    }

    /// Makes a client token; `body` receives it and its text (shown once), wiped afterwards.
    public func addToken<Result>(account: String, client: String, protocols: Set<MailProtocol>, expiresIn: Duration?,
                                 _ body: (ClientToken, borrowing SecureBytes) throws -> Result) throws -> Result {
        let expires = try expiresIn.map { (duration) throws(AgentError) -> UInt32 in
            guard let seconds = UInt32(exactly: duration.components.seconds) else {
                throw .refused(AgentFailure(code: .invalidInput, message: "the expiry is too far away"))
            }
            return seconds
        } ?? 0
        switch try exchange(.addToken(account: account, client: client, protocols: protocols, expiresSeconds: expires)) {
        case .token(let issued): return try body(issued.subject, issued.text)
        default: throw AgentError.badReply("expected a token")
        }
    }

    /// Every client token (never their texts), fetched page by page.
    public func tokens() throws(AgentError) -> [ClientToken] {
        try pages { (offset) throws(AgentError) -> Page<ClientToken> in
            switch try exchange(.listTokens(offset: offset)) {
            case .tokens(let page): return page
            default: throw .badReply("expected a token list")
            }
        }
    }

    /// Deletes a client token; the sessions it opened end.
    public func revokeToken(id: String) throws(AgentError) {
        try expectDone(exchange(.revokeToken(id: id)))
    }

    /// What `appvault fetch --new` has fetched from `mailbox` of `account`; nil before the first run.
    public func fetchState(account: String, mailbox: String) throws(AgentError) -> FetchState? {
        switch try exchange(.getFetchState(account: account, mailbox: mailbox)) {
        case .fetchState(let state): return state
        default: throw .badReply("expected a fetch state")
        }
    }

    /// Records that everything of `mailbox` of `account` up to `lastUID` (under `uidValidity`)
    /// was fetched and saved; the agent stamps the time and writes the audit record.
    public func setFetchState(uidValidity: UInt32, lastUID: UInt32, account: String, mailbox: String) throws(AgentError) {
        try expectDone(exchange(.setFetchState(account: account, mailbox: mailbox, uidValidity: uidValidity, lastUID: lastUID)))
    }

    private func pages<Item>(_ fetch: (UInt32) throws(AgentError) -> Page<Item>) throws(AgentError) -> [Item] {
        var items: [Item] = []
        while true {
            let page = try fetch(UInt32(clamping: items.count))
            items += page.items
            if page.items.isEmpty || items.count >= Int(page.total) { return items }
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

    /// Sends one request on a new connection and reads its reply; failures are thrown.
    private func exchange(_ request: consuming AgentRequest) throws(AgentError) -> AgentResponse {
        let id = UInt32.random(in: 1...UInt32.max)
        let outgoing: WireBuffer
        do {
            outgoing = try RequestCodec.encode(RequestFrame(id: id, request: request))
        } catch {
            throw .refused(AgentFailure(code: .invalidInput, message: error.description))
        }
        var reused = true
        var channel: FrameChannel
        if let open = idle.take() {
            channel = open
        } else {
            channel = try connect()
            reused = false
        }
        while true {
            do throws(ExchangeFailure) {
                let response = try exchange(outgoing, id: id, on: channel)
                idle.keep(channel)
                return response
            } catch {
                switch error {
                case .failed(let failure):
                    throw failure
                case .stale(let failure):
                    // The agent had closed this reused connection (idle time-out) without reading
                    // the request: send it again on a new one.
                    guard reused else { throw failure }
                    reused = false
                    channel = try connect()
                }
            }
        }
    }

    /// Why one exchange failed.
    private enum ExchangeFailure: Error {
        /// The agent had closed the connection before reading the request.
        case stale(AgentError)
        case failed(AgentError)
    }

    /// Sends one request on `channel` and reads its reply.
    private func exchange(_ outgoing: borrowing WireBuffer, id: UInt32,
                          on channel: borrowing FrameChannel) throws(ExchangeFailure) -> AgentResponse {
        // An agent that refuses the connection (policy, connection cap) may reply and close
        // before the request is sent; its reply is still read below.
        var sendFailure: ChannelError?
        do {
            try channel.write(outgoing, timeout: replyTimeout)
        } catch {
            if error == .timedOut { throw .failed(describe(error, "sending the request")) }
            sendFailure = error
        }
        var incoming = WireBuffer(capacity: WireFormat.maxBodyBytes)
        do {
            try channel.readFrame(into: &incoming, idleTimeout: replyTimeout, frameTimeout: replyTimeout)
        } catch {
            if error == .closed(betweenFrames: true) {
                throw .stale(sendFailure.map { describe($0, "sending the request") } ?? describe(error, "reading the reply"))
            }
            if let sendFailure { throw .failed(describe(sendFailure, "sending the request")) }
            throw .failed(describe(error, "reading the reply"))
        }
        let reply: ResponseFrame
        do {
            reply = try incoming.withBytes { (body) throws(ProtocolError) in try ResponseCodec.decode(body: body) }
        } catch {
            throw .failed(.badReply(error.description))
        }
        let replyID = reply.id
        let response = reply.response
        if response.failureCode == .timeout, replyID == 0 {
            throw .stale(.refused(Self.failure(of: response)))
        }
        if response.failureCode != nil, replyID == id || replyID == 0 {
            throw .failed(.refused(Self.failure(of: response)))
        }
        guard replyID == id else { throw .failed(.badReply("reply for request \(replyID), expected \(id)")) }
        return response
    }

    private static func failure(of response: consuming AgentResponse) -> AgentFailure {
        switch consume response {
        case .failure(let failure): failure
        default: AgentFailure(code: .internalError, message: "not a failure")
        }
    }

    /// Connects after checking the socket's folder and file, and checks the process that
    /// answers, before a byte is sent (``SocketTrust``).
    private func connect() throws(AgentError) -> FrameChannel {
        try SocketTrust.checkPath(socketPath, owner: agentUID)
        let milliseconds = Int32(clamping: connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000)
        let channel: FrameChannel
        do {
            channel = FrameChannel(adopting: try UnixSocket.connect(to: socketPath, timeoutMilliseconds: milliseconds))
        } catch {
            switch error.errno {
            case 2, 111: throw .notRunning(socketPath)  // ENOENT, ECONNREFUSED
            case 110: throw .timedOut("connecting to \(socketPath)")  // ETIMEDOUT
            default: throw .system(error)
            }
        }
        try SocketTrust.checkPeer(channel.fd, owner: agentUID, path: socketPath)
        return channel
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
