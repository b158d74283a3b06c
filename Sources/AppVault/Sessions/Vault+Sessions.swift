import Foundation
package import VaultCrypto

/// What a finished proxied session did, for the audit log.
package struct SessionEnd: Sendable, Equatable {
    /// Bytes received from the mail server, login included.
    package var bytesFromUpstream: Int64
    /// Bytes sent to the mail server, login included.
    package var bytesToUpstream: Int64
    /// From the local client's login to the end.
    package var duration: Duration
    /// Why it ended: `client logged out`, `upstream closed the connection`, the kill reason...
    package var reason: String

    /// Creates a summary.
    package init(bytesFromUpstream: Int64, bytesToUpstream: Int64, duration: Duration, reason: String) {
        self.bytesFromUpstream = bytesFromUpstream
        self.bytesToUpstream = bytesToUpstream
        self.duration = duration
        self.reason = reason
    }
}

extension Vault {
    /// Opens a proxied session for `account` with a local credential a mail client presented to
    /// the agent's endpoint: a client token (`avt-...`) or a one-session lease password (`avl-...`).
    ///
    /// Checks the credential (its keyed hash, account, protocol, expiry), the account (not revoked;
    /// not known dead, for a token) and the per-account session cap, then holds a session lease for the
    /// session's lifetime: a token makes a new one; a login lease becomes it (so it is spent).
    /// The session's one use is the upstream login (``redeem(_:for:_:)``). Audited either way;
    /// a wrong credential never changes the account.
    package func openSession(account name: String, credential: borrowing SecureBytes, protocol proto: MailProtocol,
                             holder: String) throws(VaultError) -> Lease {
        let limits = configuration.leaseLimits
        let now = clock.now()
        var tokenID: String?
        var leaseID: String?
        do throws(VaultError) {
            return try write { ledger throws(VaultError) -> Lease in
                guard let presented = LocalCredential.parse(credential, keys: ledger.keys.ring) else {
                    throw .credentialRejected("not an appvault client token or lease password")
                }
                guard let account = try StoredAccount.find(name, in: ledger) else {
                    throw .credentialRejected("no account named '\(name)'")
                }
                var session: StoredLease
                switch presented.kind {
                case .token:
                    tokenID = Hex.encode(presented.id)
                    guard var token = try StoredToken.find(presented.id, in: ledger),
                          KeyedHash.constantTimeEquals(token.secretHash, presented.hash)
                    else { throw .credentialRejected("unknown or wrong client token") }
                    guard token.accountKey == account.key else {
                        throw .credentialRejected("token \(Hex.encode(presented.id)) is for another account")
                    }
                    guard token.protocols.contains(proto) else {
                        throw .credentialRejected("token \(Hex.encode(presented.id)) is not valid for \(proto)")
                    }
                    if let expiresAt = token.expiresAt, now >= expiresAt { throw .tokenExpired(Hex.encode(presented.id)) }
                    token.lastUsedAt = now
                    try token.save(in: ledger)
                    session = StoredLease(
                        handle: SecureRandom.bytes(StoredLease.handleBytes), accountKey: account.key, account: name,
                        protocol: proto, kind: .session, generation: account.record.generation, grantedAt: now,
                        expiresAt: now, maximumExpiresAt: now, usesLeft: 1, holder: holder,
                        tokenID: presented.id, client: token.client)
                case .lease:
                    leaseID = Hex.encode(presented.id)
                    guard let login = try StoredLease.find(presented.id, in: ledger),
                          let hash = login.credentialHash, KeyedHash.constantTimeEquals(hash, presented.hash)
                    else { throw .credentialRejected("unknown or wrong lease password") }
                    guard login.accountKey == account.key else {
                        throw .credentialRejected("lease \(Hex.encode(presented.id)) is for another account")
                    }
                    guard login.kind == .login else { throw .leaseUsedUp(Hex.encode(presented.id)) }
                    _ = try validLease(Hex.encode(presented.id), for: proto, now: now, in: ledger)
                    session = login
                    session.kind = .session
                    session.holder = holder
                    session.grantedAt = now
                }
                guard account.record.status != .revoked else { throw .accountRevoked(name) }
                // A token is an automated client: it must not keep knocking with a password the
                // provider rejected (providers lock accounts for that). A login lease is someone's
                // deliberate try (`appvault check`, `verify`): it may probe a dead account.
                guard account.record.status != .dead || presented.kind == .lease else { throw .accountDead(name) }
                let sessions = try StoredLease.open(of: account, in: ledger).filter {
                    $0.kind == .session && $0.protocol == proto && $0.isLive(now: now, generation: account.record.generation)
                }
                guard sessions.count < limits.maximumSessionsPerAccount else {
                    throw .tooManySessions(account: name, limit: limits.maximumSessionsPerAccount)
                }
                session.expiresAt = now.addingTimeInterval(limits.sessionTTL.seconds)
                session.maximumExpiresAt = now.addingTimeInterval(limits.sessionLifetime.seconds)
                try session.save(in: ledger)
                try AuditLog.append(
                    .init(event: "session.open", account: name, leaseID: Hex.encode(session.handle), tokenID: tokenID,
                          actor: holder, detail: "\(proto) client \(session.client ?? "lease \(leaseID ?? "-")")"),
                    at: now, to: ledger)
                return session.lease(endpoint: account.record.endpoint(for: proto), username: account.record.email)
            }
        } catch {
            switch error {
            case .locked, .storeUnreachable: break
            default:
                recordEvent(.init(event: "session.deny", account: name, leaseID: leaseID, tokenID: tokenID, actor: holder,
                                  detail: "\(proto): \(error.description)"))
            }
            throw error
        }
    }

    /// Extends the leases of live proxied sessions in one transaction. Returns, for each session
    /// that may not go on (lease revoked or stale, token revoked or expired, account revoked or
    /// dead, lifetime reached), why; the agent ends those sessions. Renewals are not audited
    /// one by one (the session's open and end are).
    package func renewSessions(_ ids: [String]) throws(VaultError) -> [String: VaultError] {
        guard !ids.isEmpty else { return [:] }
        let limits = configuration.leaseLimits
        let now = clock.now()
        return try write { ledger throws(VaultError) -> [String: VaultError] in
            var failures = [String: VaultError]()
            for id in ids {
                do throws(VaultError) {
                    guard let found = try StoredLease.find(id, in: ledger) else { throw .noSuchLease(id) }
                    var (lease, account) = try validLease(id, for: found.protocol, now: now, in: ledger)
                    guard account.record.status != .dead else { throw .accountDead(account.record.name) }
                    if let tokenID = lease.tokenID {
                        guard let token = try StoredToken.find(tokenID, in: ledger) else {
                            throw .credentialRejected("client token \(Hex.encode(tokenID)) was revoked")
                        }
                        if let expiresAt = token.expiresAt, now >= expiresAt { throw .tokenExpired(Hex.encode(tokenID)) }
                    }
                    guard lease.expiresAt < lease.maximumExpiresAt else { throw .leaseRenewalLimit(id) }
                    lease.expiresAt = min(now.addingTimeInterval(limits.sessionTTL.seconds), lease.maximumExpiresAt)
                    try lease.save(in: ledger)
                } catch {
                    failures[id] = error
                }
            }
            return failures
        }
    }

    /// Records an event of the agent's endpoints in the audit log (a refusal the proxy made itself).
    package func recordProxyEvent(_ event: String, account: String?, actor: String, detail: String) {
        recordEvent(.init(event: event, account: account, actor: actor, detail: detail))
    }

    /// Records that a proxied session ended and releases its lease.
    package func endSession(id: String, _ end: SessionEnd) {
        let now = clock.now()
        do {
            try write { ledger throws(VaultError) in
                guard var lease = try StoredLease.find(id, in: ledger) else { return }
                if lease.endedAt == nil {
                    lease.endedAt = now
                    try lease.save(in: ledger)
                }
                try AuditLog.append(
                    .init(event: "session.end", account: lease.account, leaseID: id,
                          tokenID: lease.tokenID.map(Hex.encode), actor: lease.holder,
                          detail: "\(lease.protocol) client \(lease.client ?? "lease"): \(end.bytesFromUpstream) bytes down, \(end.bytesToUpstream) up, \(Int(end.duration.seconds)) s; \(end.reason)"),
                    at: now, to: ledger)
            }
        } catch {
            logger.warning("could not record the end of a session", metadata: ["lease": "\(id)", "error": "\(error)"])
        }
    }
}
