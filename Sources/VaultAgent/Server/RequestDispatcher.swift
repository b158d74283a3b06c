internal import AppVault
internal import Logging
internal import VaultCrypto

/// Turns one request from one peer into one response: policy first, then the vault.
///
/// Denials and vault refusals become ``AgentResponse/failure(_:)``; nothing here throws,
/// and nothing logged holds a secret.
struct RequestDispatcher: Sendable {
    let vault: Vault
    let policy: AgentPolicy
    let agentUID: UInt32
    let idleLock: IdleLock
    let logger: Logger

    func respond(to request: consuming AgentRequest, from peer: PeerIdentity) -> AgentResponse {
        let name = request.name
        if name != "status" { idleLock.touch() }
        do {
            return try dispatch(request, from: peer)
        } catch let error as VaultError {
            logger.info("agent request refused by the vault",
                        metadata: ["request": "\(name)", "peer": "\(peer)", "error": "\(AgentErrorCode(error))"])
            return .failure(AgentFailure(code: AgentErrorCode(error), message: error.description))
        } catch let failure as AgentFailure {
            return .failure(failure)
        } catch {
            logger.error("agent request failed", metadata: ["request": "\(name)", "error": "\(error)"])
            return .failure(AgentFailure(code: .internalError, message: "the agent failed to \(name); see its log"))
        }
    }

    private func dispatch(_ request: consuming AgentRequest, from peer: PeerIdentity) throws -> AgentResponse {
        switch consume request {
        case .status:
            return .status(AgentStatus(unlocked: vault.isUnlocked, pid: UInt32(Posix.currentPID),
                                       idleLockSeconds: idleLock.timeoutSeconds))
        case .unlock(let passphrase):
            try require(.administer("unlock"), peer)
            try vault.unlock(with: MasterCredential.passphrase(passphrase))
            logger.notice("vault unlocked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .unlockWithKeyFile(let contents):
            try require(.administer("unlock"), peer)
            try vault.unlock(with: MasterCredential.keyFile(contents: contents))
            logger.notice("vault unlocked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .lock:
            try require(.administer("lock"), peer)
            vault.lock()
            logger.notice("vault locked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .lease(let account, let proto, let ttlSeconds, let uses):
            try require(.use(request: "lease", account: account, protocol: proto), peer)
            let lease = try vault.lease(account: account, for: proto, ttl: ttl(ttlSeconds),
                                        uses: Int(uses), holder: peer.description)
            logger.info("lease granted", metadata: ["lease": "\(lease.id)", "account": "\(account)",
                                                    "protocol": "\(proto)", "peer": "\(peer)"])
            return .lease(lease)
        case .redeem(let lease, let proto):
            try require(.use(request: "redeem", account: lease.account, protocol: proto), peer)
            var copy: SecureBytes?
            try vault.redeem(lease, for: proto) { secret in
                copy = try secret.slice(0..<secret.count)
            }
            guard let secret = copy.take() else { throw AgentFailure(code: .internalError, message: "no secret") }
            logger.info("lease redeemed", metadata: ["lease": "\(lease.id)", "account": "\(lease.account)",
                                                     "protocol": "\(proto)", "peer": "\(peer)"])
            return .secret(secret)
        case .renew(let id, let ttlSeconds):
            try requireLeaseAccess(id, request: "renew", peer)
            return .lease(try vault.renew(lease: id, ttl: ttl(ttlSeconds)))
        case .revokeLease(let id):
            try requireLeaseAccess(id, request: "revoke-lease", peer)
            try vault.revokeLease(id: id)
            logger.notice("lease revoked through the agent", metadata: ["lease": "\(id)", "peer": "\(peer)"])
            return .done
        case .listLeases(let offset):
            try require(.administer("list-leases"), peer)
            let leases = try vault.liveLeases()
            let start = min(Int(offset), leases.count)
            return .leases(LeasePage(total: UInt32(clamping: leases.count), leases: Array(leases[start...])))
        }
    }

    private func ttl(_ seconds: UInt32) -> Duration? {
        seconds == 0 ? nil : .seconds(Int64(seconds))
    }

    /// Throws a `denied` failure, and logs an audit line, when the policy refuses.
    private func require(_ action: AgentPolicy.Action, _ peer: PeerIdentity) throws(AgentFailure) {
        guard policy.allows(action, peer: peer, agentUID: agentUID) else {
            logger.warning("agent.deny", metadata: ["action": "\(action)", "peer": "\(peer)"])
            vault.recordAgentDenial(peer: "\(peer)", action: "\(action)")
            throw AgentFailure(code: .denied, message: "the agent's policy does not allow \(peer) to \(action)")
        }
    }

    /// Renew and revoke name only a lease id: administrators may act on any lease, other
    /// peers only on live leases of accounts and protocols their rules allow.
    private func requireLeaseAccess(_ id: String, request: String, _ peer: PeerIdentity) throws {
        if policy.allows(.administer(request), peer: peer, agentUID: agentUID) { return }
        guard let lease = try vault.liveLeases().first(where: { $0.id == id }) else {
            try require(.administer(request), peer)
            return
        }
        try require(.use(request: request, account: lease.account, protocol: lease.protocol), peer)
    }
}
