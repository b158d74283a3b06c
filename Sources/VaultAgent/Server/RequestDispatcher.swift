internal import AppVault
internal import Foundation
internal import Logging
internal import VaultCrypto

/// Turns one request from one peer into one response: policy first, then the vault.
///
/// Denials and vault refusals become ``AgentResponse/failure(_:)``; nothing here throws,
/// nothing logged holds a secret, and no response carries an app password.
struct RequestDispatcher: Sendable {
    let vault: Vault
    let policy: AgentPolicy
    let agentUID: UInt32
    let idleLock: IdleLock
    let unlockGuard: UnlockGuard
    let sessions: any SessionControl
    let logger: Logger
    let listing = ListingSnapshot()

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
            let sockets = sessions.endpointSockets
            return .status(AgentStatus(unlocked: vault.isUnlocked, pid: UInt32(Posix.currentPID),
                                       idleLockSeconds: idleLock.timeoutSeconds, vaultID: vault.id,
                                       liveSessions: UInt32(clamping: sessions.liveSessionCount),
                                       imapSocket: sockets.imap, smtpSocket: sockets.smtp))
        case .unlock(let passphrase):
            try require(.administer("unlock"), peer)
            try unlockGuard.unlock(vault, with: MasterCredential.passphrase(passphrase), by: peer)
            logger.notice("vault unlocked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .unlockWithKeyFile(let contents):
            try require(.administer("unlock"), peer)
            try unlockGuard.unlock(vault, with: MasterCredential.keyFile(contents: contents), by: peer)
            logger.notice("vault unlocked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .lock:
            try require(.administer("lock"), peer)
            vault.lock()
            listing.forget()
            sessions.endAllSessions(reason: "the vault was locked")
            logger.notice("vault locked through the agent", metadata: ["peer": "\(peer)"])
            return .done
        case .grantLogin(let account, let proto, let ttlSeconds):
            try require(.use(request: "grant-login", account: account, protocol: proto), peer)
            let granted = try vault.grantLoginLease(account: account, for: proto, ttl: ttl(ttlSeconds), holder: peer.description)
            let lease = granted.lease
            var copy: SecureBytes?
            try granted.revealPassword { copy = try SecureBytes(copying: $0) }
            guard let password = copy.take() else { throw AgentFailure(code: .internalError, message: "no lease password") }
            logger.info("login lease granted", metadata: ["lease": "\(lease.id)", "account": "\(account)",
                                                          "protocol": "\(proto)", "peer": "\(peer)"])
            return .login(IssuedCredential(subject: lease, text: password))
        case .renew(let id, let ttlSeconds):
            try requireLeaseAccess(id, request: "renew", peer)
            return .lease(try vault.renew(lease: id, ttl: ttl(ttlSeconds)))
        case .revokeLease(let id):
            try requireLeaseAccess(id, request: "revoke-lease", peer)
            try vault.revokeLease(id: id)
            sessions.endSessions(lease: id, reason: "lease \(id) was revoked")
            logger.notice("lease revoked through the agent", metadata: ["lease": "\(id)", "peer": "\(peer)"])
            return .done
        case .listLeases(let offset):
            try require(.administer("list-leases"), peer)
            return .leases(page(try vault.liveLeases(), from: offset))
        case .listAccounts(let offset):
            try require(.administer("list-accounts"), peer)
            let accounts = try listing.accounts(at: offset, of: vault) {
                let traffic = try vault.trafficToday()
                return try vault.accounts().map { AccountSummary(record: $0, traffic: traffic[$0.name]) }
            }
            return .accounts(page(accounts, from: offset))
        case .addToken(let account, let client, let protocols, let expiresSeconds):
            try require(.administer("add-token"), peer)
            let created = try vault.addToken(account: account, client: client, protocols: protocols,
                                             expiresIn: expiresSeconds == 0 ? nil : .seconds(Int64(expiresSeconds)))
            let token = created.token
            var copy: SecureBytes?
            try created.reveal { copy = try SecureBytes(copying: $0) }
            guard let text = copy.take() else { throw AgentFailure(code: .internalError, message: "no token text") }
            logger.notice("client token added", metadata: ["token": "\(token.id)", "account": "\(account)", "peer": "\(peer)"])
            return .token(IssuedCredential(subject: token, text: text))
        case .listTokens(let offset):
            try require(.administer("list-tokens"), peer)
            return .tokens(page(try vault.tokens(), from: offset))
        case .revokeToken(let id):
            try require(.administer("revoke-token"), peer)
            try vault.revokeToken(id: id)
            sessions.endSessions(token: id, reason: "client token \(id) was revoked")
            logger.notice("client token revoked", metadata: ["token": "\(id)", "peer": "\(peer)"])
            return .done
        case .getFetchState(let account, let mailbox):
            try require(.use(request: "fetch-state", account: account, protocol: .imap), peer)
            return .fetchState(try vault.fetchState(account: account, mailbox: mailbox))
        case .setFetchState(let account, let mailbox, let uidValidity, let lastUID):
            try require(.use(request: "fetch-state", account: account, protocol: .imap), peer)
            try vault.setFetchState(FetchState(uidValidity: uidValidity, lastUID: lastUID, updatedAt: Date()),
                                    account: account, mailbox: mailbox)
            return .done
        }
    }

    private func page<Item>(_ items: [Item], from offset: UInt32) -> Page<Item> {
        let start = min(Int(offset), items.count)
        return Page(total: UInt32(clamping: items.count), items: Array(items[start...]))
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
