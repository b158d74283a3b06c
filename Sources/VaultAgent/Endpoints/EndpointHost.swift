internal import AppVault
internal import Foundation
internal import Glibc
internal import Logging
internal import MailConnectors
internal import MailProxy
internal import Synchronization

/// One listening socket of the endpoints.
struct EndpointListener: Sendable {
    let fd: Int32
    let `protocol`: MailProtocol
    let transport: LocalTransport
    /// The Unix socket's path, or nil for loopback TCP.
    let path: String?
    let label: String
}

/// The agent's IMAP and SMTP endpoints: identifies each client, applies the policy, and hands
/// the connection to the ``MailProxy`` on a thread of its own. It is also what control requests
/// reach to end sessions (``SessionControl``).
final class EndpointHost: SessionControl {
    let proxy: MailProxy
    let authority: VaultSessionAuthority
    private let vault: Vault
    private let policy: AgentPolicy
    private let agentUID: UInt32
    private let peers: any PeerCredentialSource
    private let logger: Logger
    private let configuration: EndpointConfiguration
    private let active = Atomic<Int>(0)
    private let listening = Mutex<[EndpointListener]>([])

    init(vault: Vault, policy: AgentPolicy, agentUID: UInt32, peers: any PeerCredentialSource,
         configuration: EndpointConfiguration, logger: Logger) throws(AgentError) {
        self.vault = vault
        self.policy = policy
        self.agentUID = agentUID
        self.peers = peers
        self.configuration = configuration
        self.logger = logger
        try configuration.check()
        var localTLS: ServerTLSContext?
        if let certificate = configuration.localCertificate, let key = configuration.localKey {
            do { localTLS = try ServerTLSContext(certificatePath: certificate, keyPath: key) } catch {
                throw .localTLS(error.description)
            }
        }
        authority = VaultSessionAuthority(vault: vault, policy: policy, agentUID: agentUID, logger: logger)
        proxy = MailProxy(authority: authority, upstream: MailUpstreamConnector(options: configuration.upstream, logger: logger),
                          configuration: ProxyConfiguration(localTLS: localTLS), logger: logger)
    }

    /// Opens the Unix sockets (mode and group like the control socket's) and the TCP listeners.
    func listen(group: UInt32?) throws(AgentError) -> [EndpointListener] {
        let plain: LocalTransport = configuration.localCertificate == nil ? .plain : .plainWithSTARTTLS
        var opened = [EndpointListener]()
        do throws(AgentError) {
            for (proto, path) in [(MailProtocol.imap, configuration.imapSocket), (.smtp, configuration.smtpSocket)] {
                try SocketLocation.prepare(path, uid: agentUID, group: group)
                let fd = try SocketLocation.listen(at: path, backlog: 512, group: group)
                opened.append(EndpointListener(fd: fd, protocol: proto, transport: plain, path: path, label: path))
            }
            for endpoint in configuration.tcp {
                let address = try TCPListener.parse(endpoint.address)
                let transport: LocalTransport = switch endpoint.security {
                case .plain: .plain
                case .starttls: .plainWithSTARTTLS
                case .tls: .implicitTLS
                }
                let fd = try TCPListener.listen(address, backlog: 512)
                opened.append(EndpointListener(fd: fd, protocol: endpoint.protocol, transport: transport, path: nil,
                                               label: "\(endpoint.protocol) \(address) \(endpoint.security.rawValue)"))
            }
        } catch {
            for listener in opened { close(listener: listener) }
            throw error
        }
        listening.withLock { $0 = opened }
        return opened
    }

    /// Closes the listeners and removes the Unix sockets.
    func stopListening() {
        for listener in listening.withLock({ $0 }) { close(listener: listener) }
        listening.withLock { $0 = [] }
    }

    private func close(listener: EndpointListener) {
        Posix.close(listener.fd)
        if let path = listener.path { try? Posix.removeFile(path) }
    }

    /// Serves one accepted connection: peer, policy, then the proxy on a thread of its own.
    func admit(_ fd: Int32, from listener: EndpointListener) {
        let (_, serving) = active.add(1, ordering: .sequentiallyConsistent)
        guard serving <= configuration.maximumConnections else {
            active.subtract(1, ordering: .sequentiallyConsistent)
            logger.warning("endpoint connection refused: too many connections", metadata: ["limit": "\(configuration.maximumConnections)"])
            refuse(fd, listener, "too many connections; try again shortly")
            return
        }
        let peer: ProxyPeer
        let identity: PeerIdentity
        if listener.path != nil {
            guard let connected = try? peers.identify(socket: fd) else {
                active.subtract(1, ordering: .sequentiallyConsistent)
                Posix.close(fd)
                return
            }
            identity = connected.identity
            peer = ProxyPeer(uid: identity.uid, description: identity.description, rateLimitKey: "uid \(identity.uid)",
                             executable: identity.executable, executableTrusted: identity.executableTrusted)
        } else {
            let uid = TCPListener.peerUID(fd)
            identity = PeerIdentity(uid: uid ?? UInt32.max, gid: 0, pid: 0, executable: nil, executableTrusted: false)
            peer = ProxyPeer(uid: uid, description: "uid \(uid.map(String.init) ?? "unknown") over \(listener.label)",
                             rateLimitKey: uid.map { "uid \($0)" } ?? "tcp unknown")
        }
        guard peer.uid != nil, policy.allows(.connect, peer: identity, agentUID: agentUID) else {
            active.subtract(1, ordering: .sequentiallyConsistent)
            logger.warning("agent.deny", metadata: ["action": "connect \(listener.protocol)", "peer": "\(peer.description)"])
            vault.recordAgentDenial(peer: peer.description, action: "connect to the \(listener.protocol) endpoint")
            refuse(fd, listener, "the agent's policy does not allow this user")
            return
        }
        let thread = Thread { [self] in
            proxy.serve(clientFD: fd, protocol: listener.protocol, peer: peer, transport: listener.transport)
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
        thread.stackSize = MailProxy.threadStackBytes
        thread.start()
    }

    /// A one-line refusal in the endpoint's protocol, then close (plaintext listeners only).
    private func refuse(_ fd: Int32, _ listener: EndpointListener, _ text: String) {
        if listener.transport != .implicitTLS {
            let line = listener.protocol == .imap ? "* BYE [UNAVAILABLE] \(text)\r\n" : "421 4.7.0 \(text)\r\n"
            _ = line.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        }
        Posix.close(fd)
    }

    // MARK: - SessionControl

    var liveSessionCount: Int { proxy.sessions.count }

    var endpointSockets: (imap: String, smtp: String) { (configuration.imapSocket, configuration.smtpSocket) }

    func endSessions(lease id: String, reason: String) {
        proxy.sessions.end(where: { $0.sessionID == id }, reason: reason)
    }

    func endSessions(token id: String, reason: String) {
        proxy.sessions.end(where: { authority.tokenID(ofSession: $0.sessionID) == id }, reason: reason)
    }

    func endAllSessions(reason: String) {
        proxy.sessions.end(where: { _ in true }, reason: reason)
    }

    /// Ends the sessions of `account`.
    func endSessions(account: String, reason: String) {
        proxy.sessions.end(where: { $0.account == account }, reason: reason)
    }
}
