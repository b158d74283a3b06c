internal import Foundation
public import AppVault
public import Logging
internal import Synchronization

/// The agent daemon: serves control requests on a Unix socket and, when configured, the IMAP and
/// SMTP endpoints (``EndpointConfiguration``), until ``stop()``.
///
/// One thread accepts connections on every listener and runs the idle lock; each connection gets
/// its own thread with deadlines, so a slow or hostile client only ever holds its own thread. A
/// supervisor thread ends proxied sessions that a change takes away and renews their leases.
public final class AgentServer: Sendable {
    private let vault: Vault
    private let configuration: AgentConfiguration
    private let logger: Logger
    private let peers: any PeerCredentialSource
    private let idleLock: IdleLock
    private let dispatcher: RequestDispatcher
    private let agentUID: UInt32
    private let stopping = Atomic<Bool>(false)
    private let active = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    /// How long a reply may take to send before the connection is dropped.
    private static let writeTimeout: Duration = .seconds(5)

    private let sessions: any SessionControl
    private let endpoints: EndpointHost?
    private let supervisor: SessionSupervisor?

    /// Creates an agent for `vault`; nothing happens until ``start()``. Throws when the endpoints'
    /// local TLS certificate or key cannot be loaded.
    public convenience init(vault: Vault, configuration: AgentConfiguration, logger: Logger) throws(AgentError) {
        try self.init(vault: vault, configuration: configuration, logger: logger, peers: KernelPeerCredentials())
    }

    /// Creates an agent that identifies peers with `peers` (tests inject a fake).
    package init(vault: Vault, configuration: AgentConfiguration, logger: Logger, peers: any PeerCredentialSource) throws(AgentError) {
        self.vault = vault
        self.configuration = configuration
        self.logger = logger
        self.peers = peers
        if let endpointConfiguration = configuration.endpoints {
            let host = try EndpointHost(vault: vault, policy: configuration.policy, agentUID: Posix.currentUID, peers: peers,
                                        configuration: endpointConfiguration, logger: logger)
            endpoints = host
            supervisor = SessionSupervisor(vault: vault, host: host, logger: logger)
            sessions = host
        } else {
            endpoints = nil
            supervisor = nil
            sessions = NoSessions()
        }
        agentUID = Posix.currentUID
        idleLock = IdleLock(timeout: configuration.idleLock, clock: configuration.clock)
        dispatcher = RequestDispatcher(vault: vault, policy: configuration.policy, agentUID: agentUID,
                                       idleLock: idleLock, unlockGuard: UnlockGuard(clock: configuration.clock, logger: logger),
                                       sessions: sessions, logger: logger)
    }

    /// Hardens the process (when configured), prepares the socket and starts serving on a
    /// background thread. Returns once the socket accepts connections.
    public func start() throws(AgentError) {
        if configuration.hardenProcess {
            do { try ProcessHardening.apply() } catch { throw .system(error) }
        }
        try SocketLocation.prepare(configuration.socketPath, uid: agentUID, group: configuration.socketGroup)
        let listener = try SocketLocation.listen(at: configuration.socketPath, backlog: 128, group: configuration.socketGroup)
        var endpointListeners = [EndpointListener]()
        if let endpoints {
            do { endpointListeners = try endpoints.listen(group: configuration.socketGroup) } catch {
                Posix.close(listener)
                try? Posix.removeFile(configuration.socketPath)
                throw error
            }
            supervisor?.start()
        }
        logger.notice("agent listening", metadata: [
            "socket": "\(configuration.socketPath)", "pid": "\(Posix.currentPID)",
            "endpoints": "\(endpointListeners.map(\.label).joined(separator: ", "))",
            "idle-lock": "\(idleLock.timeoutSeconds)s", "dumpable": "\(ProcessHardening.isDumpable)",
        ])
        if ProcessHardening.lockableBytes < ProcessHardening.comfortableLockableBytes {
            logger.warning("little memory can be locked (RLIMIT_MEMLOCK): secrets may reach swap under load; raise it (LimitMEMLOCK= in the unit, ulimit -l)",
                           metadata: ["lockable-bytes": "\(ProcessHardening.lockableBytes)"])
        }
        let listening = endpointListeners
        Thread.detachNewThread { [self] in
            acceptLoop(listener, endpoints: listening)
        }
    }

    /// Blocks until the server has stopped.
    public func wait() {
        finished.wait()
        finished.signal()
    }

    /// Stops accepting, removes the socket and locks the vault. Open connections end after
    /// their current request.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
    }

    /// Runs the idle lock once (the accept loop does this several times a second). Live proxied
    /// sessions are use: the vault does not idle-lock under them.
    func checkIdleLock() {
        dispatcher.listing.expire()
        if sessions.liveSessionCount > 0 { idleLock.touch() }
        guard idleLock.isDue, vault.isUnlocked else { return }
        vault.lock()
        dispatcher.listing.forget()
        logger.notice("vault locked after idle time", metadata: ["idle-lock": "\(idleLock.timeoutSeconds)s"])
    }

    private func acceptLoop(_ listener: Int32, endpoints listeners: [EndpointListener]) {
        defer {
            Posix.close(listener)
            try? Posix.removeFile(configuration.socketPath)
            endpoints?.stopListening()
            endpoints?.endAllSessions(reason: "the agent is stopping")
            supervisor?.stop()
            vault.lock()
            dispatcher.listing.forget()
            logger.notice("agent stopped; vault locked")
            finished.signal()
        }
        let fds = [listener] + listeners.map(\.fd)
        while !stopping.load(ordering: .sequentiallyConsistent) {
            checkIdleLock()
            do {
                for index in try Posix.readable(fds, timeoutMilliseconds: 200) {
                    guard let fd = try UnixSocket.accept(fds[index]) else { continue }
                    if index == 0 { admit(fd) } else { endpoints?.admit(fd, from: listeners[index - 1]) }
                }
            } catch {
                logger.error("agent accept failed", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    private func admit(_ fd: Int32) {
        let (_, serving) = active.add(1, ordering: .sequentiallyConsistent)
        guard serving <= configuration.maxConnections else {
            active.subtract(1, ordering: .sequentiallyConsistent)
            logger.warning("agent connection refused: too many connections",
                           metadata: ["limit": "\(configuration.maxConnections)"])
            let channel = FrameChannel(adopting: fd)
            send(.failure(AgentFailure(code: .tooManyConnections,
                                       message: "the agent serves \(configuration.maxConnections) connections already; retry shortly")),
                 id: 0, on: channel, timeout: .milliseconds(100))
            return
        }
        Thread.detachNewThread { [self] in
            serve(FrameChannel(adopting: fd))
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    private func serve(_ channel: consuming FrameChannel) {
        let connected: any ConnectedPeer
        do {
            connected = try peers.identify(socket: channel.fd)
        } catch {
            logger.error("agent could not identify a peer; connection dropped", metadata: ["error": "\(error)"])
            return
        }
        let peer = connected.identity
        var buffer = WireBuffer(capacity: WireFormat.maxBodyBytes)
        guard configuration.policy.allows(.connect, peer: peer, agentUID: agentUID) else {
            logger.warning("agent.deny", metadata: ["action": "connect", "peer": "\(peer)"])
            vault.recordAgentDenial(peer: "\(peer)", action: "connect")
            // Read (and drop) the first request, so the refusal answers it and the client
            // reads the reply rather than a reset connection.
            try? channel.readFrame(into: &buffer, idleTimeout: .seconds(1), frameTimeout: .seconds(1))
            let id = buffer.withBytes { FrameHeader.requestID(body: $0) }
            buffer.reset()
            send(.failure(AgentFailure(code: .denied, message: "the agent's policy does not allow \(peer) to connect")),
                 id: id, on: channel, timeout: Self.writeTimeout)
            return
        }
        while !stopping.load(ordering: .sequentiallyConsistent) {
            do {
                try channel.readFrame(into: &buffer, idleTimeout: configuration.connectionIdleTimeout,
                                      frameTimeout: configuration.frameTimeout)
            } catch {
                reportReadFailure(error, peer: peer, on: channel)
                return
            }
            let decoded: RequestFrame
            do {
                decoded = try buffer.withBytes { (body) throws(ProtocolError) in try RequestCodec.decode(body: body) }
            } catch {
                let id = buffer.withBytes { FrameHeader.requestID(body: $0) }
                if error == .unsupportedVersion(1) {
                    logger.warning("agent refused a protocol-1 client: it must be upgraded", metadata: ["peer": "\(peer)"])
                    let reply = ResponseCodec.encodeUpgradeRequired(id: id)
                    try? channel.write(reply, timeout: Self.writeTimeout)
                    return
                }
                logger.warning("agent received a malformed frame; connection closed",
                               metadata: ["peer": "\(peer)", "error": "\(error)"])
                send(.failure(AgentFailure(code: AgentErrorCode(error), message: error.description)),
                     id: id, on: channel, timeout: Self.writeTimeout)
                return
            }
            buffer.reset()
            let id = decoded.id
            let current: PeerIdentity
            do { current = try connected.current() } catch {
                logger.warning("agent.deny", metadata: ["peer": "\(peer)", "reason": "\(error.message)"])
                vault.recordAgentDenial(peer: "\(peer)", action: "request after the peer changed: \(error.message)")
                send(.failure(error), id: id, on: channel, timeout: Self.writeTimeout)
                return
            }
            let response = dispatcher.respond(to: decoded.request, from: current)
            let closes = response.failureCode?.closesConnection ?? false
            send(response, id: id, on: channel, timeout: Self.writeTimeout)
            if closes { return }
        }
    }

    private func reportReadFailure(_ error: ChannelError, peer: PeerIdentity, on channel: borrowing FrameChannel) {
        switch error {
        case .closed(let betweenFrames):
            if !betweenFrames { logger.info("agent peer closed mid-frame", metadata: ["peer": "\(peer)"]) }
        case .timedOut:
            logger.info("agent connection timed out", metadata: ["peer": "\(peer)"])
            send(.failure(AgentFailure(code: .timeout, message: "no complete request in time; connection closed")),
                 id: 0, on: channel, timeout: .milliseconds(100))
        case .invalid(let problem):
            logger.warning("agent refused a frame; connection closed", metadata: ["peer": "\(peer)", "error": "\(problem)"])
            send(.failure(AgentFailure(code: AgentErrorCode(problem), message: problem.description)),
                 id: 0, on: channel, timeout: Self.writeTimeout)
        case .system(let failure):
            logger.info("agent connection failed", metadata: ["peer": "\(peer)", "error": "\(failure)"])
        }
    }

    private func send(_ response: consuming AgentResponse, id: UInt32, on channel: borrowing FrameChannel,
                      timeout: Duration) {
        let frame = ResponseFrame(id: id, response: response)
        do {
            let bytes = try ResponseCodec.encode(frame)
            try channel.write(bytes, timeout: timeout)
        } catch {
            logger.info("agent could not send a reply", metadata: ["error": "\(error)"])
        }
    }
}
