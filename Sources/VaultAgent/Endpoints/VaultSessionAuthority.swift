internal import AppVault
internal import Logging
internal import MailProxy
internal import Synchronization
internal import VaultCrypto

/// The agent's answers to its IMAP and SMTP endpoints: the policy decides who may log in to
/// which account, the vault checks the credential and holds the session's lease, reads the app
/// password for the upstream login (one use of the lease) and records everything.
final class VaultSessionAuthority: SessionAuthority {
    private let vault: Vault
    private let policy: AgentPolicy
    private let agentUID: UInt32
    private let logger: Logger
    let meter: TrafficMeter
    /// The lease each live session holds, by session id.
    private let leases = Mutex<[String: Lease]>([:])

    init(vault: Vault, policy: AgentPolicy, agentUID: UInt32, logger: Logger) {
        self.vault = vault
        self.policy = policy
        self.agentUID = agentUID
        self.logger = logger
        meter = TrafficMeter(vault: vault)
    }

    func open(_ request: LoginRequest, credential: borrowing SecureBytes) throws(SessionRefusal) -> SessionGrant {
        let peer = request.peer
        let identity = PeerIdentity(uid: peer.uid ?? UInt32.max, gid: 0, pid: 0, executable: peer.executable,
                                    executableTrusted: peer.executableTrusted)
        let action = AgentPolicy.Action.use(request: "login", account: request.account, protocol: request.protocol)
        guard peer.uid != nil, policy.allows(action, peer: identity, agentUID: agentUID) else {
            vault.recordAgentDenial(peer: peer.description, action: "\(action)")
            throw .denied("the agent's policy does not let \(peer.description) log in to this account over \(request.protocol)")
        }
        let lease: Lease
        do {
            lease = try vault.openSession(account: request.account, credential: credential, protocol: request.protocol,
                                          holder: peer.description)
        } catch {
            throw Self.refusal(for: error)
        }
        do {
            try meter.checkAllowance(account: lease.account, direction: request.protocol == .imap ? .download : .upload)
        } catch {
            vault.endSession(id: lease.id, SessionEnd(bytesFromUpstream: 0, bytesToUpstream: 0, duration: .zero,
                                                      reason: "refused: \(error.description)"))
            throw Self.refusal(for: error)
        }
        leases.withLock { $0[lease.id] = lease }
        return SessionGrant(sessionID: lease.id, account: lease.account, protocol: lease.protocol, endpoint: lease.endpoint,
                            username: lease.username, client: lease.client ?? "lease \(lease.id)")
    }

    func withUpstreamSecret<Result>(_ grant: SessionGrant, _ body: (borrowing SecureBytes) throws -> Result) throws -> Result {
        guard let lease = leases.withLock({ $0[grant.sessionID] }) else {
            throw SessionRefusal.unavailable("the session's lease is gone")
        }
        do {
            return try vault.redeem(lease, for: grant.protocol, body)
        } catch let error as VaultError {
            throw Self.refusal(for: error)
        }
    }

    func upstreamLoggedIn(_ grant: SessionGrant) {
        // A deliberate login (a login lease) may probe an account marked dead; it works again.
        guard (try? vault.account(named: grant.account).status) == .dead else { return }
        _ = try? vault.recordCheck(account: grant.account, passwordWorks: true, detail: "proxied \(grant.protocol) login worked")
    }

    func upstreamLoginFailed(_ grant: SessionGrant, _ failure: UpstreamFailure) {
        switch failure {
        case .passwordRejected(let text):
            logger.warning("the provider rejected the stored app password; account marked dead",
                           metadata: ["account": "\(grant.account)", "protocol": "\(grant.protocol)"])
            _ = try? vault.recordCheck(account: grant.account, passwordWorks: false,
                                       detail: "proxied \(grant.protocol) login rejected: \(text)")
        case .temporary(let text), .unreachable(let text):
            logger.info("upstream login failed; the account is not marked", metadata: ["account": "\(grant.account)", "reason": "\(text)"])
        }
    }

    func meter(_ grant: SessionGrant, downloaded: Int64, uploaded: Int64) -> MeterVerdict {
        meter.add(account: grant.account, downloaded: downloaded, uploaded: uploaded).map { .limitReached($0) } ?? .proceed
    }

    func refused(_ request: LoginRequest, _ refusal: SessionRefusal) {
        vault.recordProxyEvent("session.deny", account: request.account, actor: request.peer.description,
                               detail: "\(request.protocol): refused by the endpoint: \(refusal)")
    }

    func ended(_ grant: SessionGrant, _ summary: SessionEnd) {
        leases.withLock { _ = $0.removeValue(forKey: grant.sessionID) }
        vault.endSession(id: grant.sessionID, summary)
    }

    /// The token a live session was opened with, if any.
    func tokenID(ofSession id: String) -> String? {
        leases.withLock { $0[id]?.tokenID }
    }

    /// What the proxy tells a client for a vault refusal (docs/proxy.md has the table).
    static func refusal(for error: VaultError) -> SessionRefusal {
        switch error {
        case .credentialRejected, .leaseWrongProtocol, .noSuchLease, .noSuchAccount: .invalidCredential
        case .tokenExpired, .leaseExpired, .leaseUsedUp, .leaseRevoked, .leaseStale, .leaseRenewalLimit: .expired(error.description)
        case .locked: .locked
        case .accountRevoked, .accountDead: .accountUnavailable(error.description)
        case .tooManySessions(_, let limit): .tooManySessions(limit: limit)
        case .trafficLimit: .trafficLimit(error.description)
        default: .unavailable(error.description)
        }
    }
}
