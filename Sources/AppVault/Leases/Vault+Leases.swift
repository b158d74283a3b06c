import Foundation
package import VaultCrypto

/// A one-session login lease for the agent's local endpoints, with its password shown once.
public struct GrantedLoginLease: ~Copyable {
    /// The lease (its public handle, account, protocol, expiry).
    public let lease: Lease
    private let password: RevealedSecret

    init(lease: Lease, password: consuming RevealedSecret) {
        self.lease = lease
        self.password = password
    }

    /// Calls `body` once with the lease password (`avl-...`), then destroys it (view once).
    public consuming func revealPassword<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try password.reveal(body)
    }
}

extension Vault: LeaseRedeemer {
    /// Grants a lease on `account` for one protocol, for an in-process connector.
    ///
    /// - Parameters:
    ///   - ttl: how long it lives; the configured default (60 s) when nil, at most the maximum (15 min).
    ///   - uses: how many logins it allows (default 1).
    ///   - holder: who asks, recorded with the lease and in the audit log.
    public func lease(account name: String, for protocol: MailProtocol, ttl: Duration? = nil, uses: Int = 1,
                      holder: String) throws(VaultError) -> Lease {
        var none: SecureBytes?
        return try grant(account: name, protocol: `protocol`, kind: .connector, ttl: ttl, uses: uses, holder: holder,
                         password: &none)
    }

    /// Grants a one-session login lease: a password (`avl-...`, shown once) that a mail client
    /// presents to the agent's local IMAP or SMTP endpoint instead of a token. Its first login
    /// spends it; the lease then holds that session until it ends.
    public func grantLoginLease(account name: String, for protocol: MailProtocol, ttl: Duration? = nil,
                                holder: String) throws(VaultError) -> GrantedLoginLease {
        var password: SecureBytes?
        let lease = try grant(account: name, protocol: `protocol`, kind: .login, ttl: ttl, uses: 1, holder: holder,
                              password: &password)
        guard let password = password.take() else { throw .crypto("lease password missing") }
        return GrantedLoginLease(lease: lease, password: RevealedSecret(password))
    }

    /// Grants a lease; for a login lease, `password` receives its password.
    private func grant(account name: String, protocol proto: MailProtocol, kind: LeaseKind, ttl: Duration?, uses: Int,
                       holder: String, password: inout SecureBytes?) throws(VaultError) -> Lease {
        let limits = configuration.leaseLimits
        let ttl = ttl ?? limits.defaultTTL
        guard ttl >= .seconds(1), ttl <= limits.maximumTTL else {
            throw .invalidInput("a lease TTL must be between 1 second and \(Int(limits.maximumTTL.seconds)) seconds")
        }
        guard (1...limits.maximumUses).contains(uses) else {
            throw .invalidInput("a lease allows 1 to \(limits.maximumUses) uses")
        }
        let now = clock.now()
        do throws(VaultError) {
            return try write { ledger throws(VaultError) -> Lease in
                let account = try StoredAccount.require(name, in: ledger)
                guard account.record.status != .revoked else { throw .accountRevoked(name) }
                try pruneIfDue(ledger, now: now)
                try checkCaps(account, holder: holder, in: ledger, now: now)
                let handle = SecureRandom.bytes(StoredLease.handleBytes)
                var credentialHash: [UInt8]?
                if kind == .login {
                    var hash = [UInt8]()
                    password = try LocalCredential.make(.lease, id: handle, keys: ledger.keys.ring, hash: &hash)
                    credentialHash = hash
                }
                let lease = StoredLease(
                    handle: handle, accountKey: account.key, account: name, protocol: proto, kind: kind,
                    generation: account.record.generation, grantedAt: now, expiresAt: now.addingTimeInterval(ttl.seconds),
                    maximumExpiresAt: now.addingTimeInterval(limits.maximumLifetime.seconds), usesLeft: uses,
                    holder: holder, credentialHash: credentialHash)
                try lease.save(in: ledger)
                try AuditLog.append(
                    .init(event: "lease.grant", account: name, leaseID: Hex.encode(handle), actor: holder,
                          detail: "\(kind.rawValue) \(proto) ttl \(Int(ttl.seconds))s uses \(uses) generation \(account.record.generation)"),
                    at: now, to: ledger)
                return lease.lease(endpoint: account.record.endpoint(for: proto), username: account.record.email)
            }
        } catch {
            recordDenial(error, account: name, leaseID: nil, holder: holder, action: "grant \(kind.rawValue) \(proto)")
            throw error
        }
    }

    /// Spends one use of `lease` and calls `body` with the account's secret, zeroed afterwards.
    ///
    /// Checked in one transaction against the stored lease and account: protocol, revocation,
    /// the account's generation, expiry, uses left, and that the lease's server and user are the
    /// account's.
    package func redeem<Result>(
        _ lease: Lease, for protocol: MailProtocol, _ body: (borrowing SecureBytes) throws -> Result
    ) throws -> Result {
        let now = clock.now()
        var opened: SecureBytes?
        do throws(VaultError) {
            try write { ledger throws(VaultError) in
                var (stored, account) = try validLease(lease.id, for: `protocol`, now: now, in: ledger)
                guard lease.endpoint == account.record.endpoint(for: `protocol`), lease.username == account.record.email,
                      lease.account == account.record.name, lease.generation == stored.generation
                else { throw .tampered("lease \(lease.id) does not match its account's server or user") }
                guard stored.usesLeft > 0 else { throw .leaseUsedUp(lease.id) }
                opened = try AccountSealing.open(for: account, in: ledger)
                stored.usesLeft -= 1
                try stored.save(in: ledger)
                try AuditLog.append(
                    .init(event: "lease.use", account: account.record.name, leaseID: lease.id, actor: stored.holder,
                          detail: "\(`protocol`) \(account.record.endpoint(for: `protocol`)) uses left \(stored.usesLeft)"),
                    at: now, to: ledger)
            }
        } catch {
            recordDenial(error, account: lease.account, leaseID: lease.id, holder: lease.holder, action: "use \(`protocol`)")
            throw error
        }
        guard let secret = opened.take() else { throw VaultError.crypto("lease secret missing") }
        return try body(secret)
    }

    /// Extends a live lease by `ttl` (default: the configured default), up to its maximum lifetime.
    public func renew(lease id: String, ttl: Duration? = nil) throws(VaultError) -> Lease {
        let limits = configuration.leaseLimits
        let ttl = ttl ?? limits.defaultTTL
        guard ttl >= .seconds(1), ttl <= limits.maximumTTL else {
            throw .invalidInput("a lease TTL must be between 1 second and \(Int(limits.maximumTTL.seconds)) seconds")
        }
        let now = clock.now()
        do throws(VaultError) {
            return try write { ledger throws(VaultError) -> Lease in
                guard let found = try StoredLease.find(id, in: ledger) else { throw .noSuchLease(id) }
                var (stored, account) = try validLease(id, for: found.protocol, now: now, in: ledger)
                guard stored.expiresAt < stored.maximumExpiresAt else { throw .leaseRenewalLimit(id) }
                stored.expiresAt = min(now.addingTimeInterval(ttl.seconds), stored.maximumExpiresAt)
                try stored.save(in: ledger)
                try AuditLog.append(
                    .init(event: "lease.renew", account: account.record.name, leaseID: id, actor: stored.holder,
                          detail: "until \(stored.expiresAt.formatted(.iso8601))"),
                    at: now, to: ledger)
                return stored.lease(endpoint: account.record.endpoint(for: stored.protocol), username: account.record.email)
            }
        } catch {
            recordDenial(error, account: nil, leaseID: id, holder: configuration.actor, action: "renew")
            throw error
        }
    }

    /// Ends one lease at once, for every process; a proxied session holding it ends too.
    public func revokeLease(id: String) throws(VaultError) {
        let now = clock.now()
        try write { ledger throws(VaultError) in
            guard var lease = try StoredLease.find(id, in: ledger) else { throw .noSuchLease(id) }
            guard lease.revokedAt == nil else { throw .leaseRevoked(id) }
            lease.revokedAt = now
            try lease.save(in: ledger)
            try AuditLog.append(.init(event: "lease.revoke", account: lease.account, leaseID: id, actor: configuration.actor),
                                at: now, to: ledger)
        }
    }

    /// Live leases (usable, or holding a proxied session), oldest first.
    public func liveLeases() throws(VaultError) -> [Lease] {
        let now = clock.now()
        return try read { ledger throws(VaultError) -> [Lease] in
            var accounts = [[UInt8]: StoredAccount]()
            var leases = [Lease]()
            for stored in try ledger.records(.lease, complete: false) {
                let lease = try StoredLease.decode(stored, keys: ledger.keys.ring)
                let account = try accountOf(lease, in: ledger, cache: &accounts)
                guard lease.isLive(now: now, generation: account.record.generation),
                      account.record.status != .revoked else { continue }
                leases.append(lease.lease(endpoint: account.record.endpoint(for: lease.protocol), username: account.record.email))
            }
            return leases.sorted { ($0.grantedAt, $0.id) < ($1.grantedAt, $1.id) }
        }
    }

    /// The stored lease `id` in whatever state it is (live, spent, expired, revoked, stale).
    public func lease(id: String) throws(VaultError) -> Lease {
        try read { ledger throws(VaultError) -> Lease in
            guard let lease = try StoredLease.find(id, in: ledger) else { throw .noSuchLease(id) }
            var accounts = [[UInt8]: StoredAccount]()
            let account = try accountOf(lease, in: ledger, cache: &accounts)
            return lease.lease(endpoint: account.record.endpoint(for: lease.protocol), username: account.record.email)
        }
    }

    // MARK: - Shared checks

    /// The account a lease belongs to, checked to be the one it names.
    func accountOf(_ lease: StoredLease, in ledger: Ledger, cache: inout [[UInt8]: StoredAccount]) throws(VaultError) -> StoredAccount {
        if let account = cache[lease.accountKey] { return account }
        guard let stored = try ledger.record(.account, key: lease.accountKey) else {
            throw .tampered("lease \(Hex.encode(lease.handle)) belongs to no account")
        }
        let account = try StoredAccount.decode(stored, keys: ledger.keys.ring)
        guard account.record.name == lease.account else { throw .tampered("lease \(Hex.encode(lease.handle)) was moved to another account") }
        cache[lease.accountKey] = account
        return account
    }

    /// The stored lease `id` and its account, if the lease may still be used for `proto`.
    /// Uses left are not checked here (a live session has spent its one use).
    func validLease(_ id: String, for proto: MailProtocol, now: Date, in ledger: Ledger) throws(VaultError)
        -> (StoredLease, StoredAccount)
    {
        guard let lease = try StoredLease.find(id, in: ledger) else { throw .noSuchLease(id) }
        var accounts = [[UInt8]: StoredAccount]()
        let account = try accountOf(lease, in: ledger, cache: &accounts)
        guard lease.protocol == proto else {
            throw .leaseWrongProtocol(lease: id, granted: lease.protocol, requested: proto)
        }
        guard account.record.status != .revoked else { throw .accountRevoked(account.record.name) }
        guard lease.revokedAt == nil else { throw .leaseRevoked(id) }
        guard lease.generation == account.record.generation else { throw .leaseStale(id) }
        guard lease.endedAt == nil else { throw .leaseUsedUp(id) }
        guard now < lease.expiresAt else { throw .leaseExpired(id) }
        guard lease.holdsSession || lease.usesLeft > 0 else { throw .leaseUsedUp(id) }
        return (lease, account)
    }

    /// Refuses a grant that would exceed the live-lease caps of the account or the holder.
    func checkCaps(_ account: StoredAccount, holder: String, in ledger: Ledger, now: Date) throws(VaultError) {
        let limits = configuration.leaseLimits
        let liveForAccount = try StoredLease.open(of: account, in: ledger)
            .filter { $0.isLive(now: now, generation: account.record.generation) }.count
        guard liveForAccount < limits.maximumLivePerAccount else {
            throw .leaseLimitReached("account '\(account.record.name)' (\(liveForAccount) live)")
        }
        // Open and unexpired, whatever its account's generation: a lease a rotation made stale
        // still counts until it expires (at most its TTL), which spares reading every account.
        var liveForHolder = 0
        for stored in try ledger.records(.lease, tag: StoredLease.holderTag(holder, keys: ledger.keys.ring)) {
            let lease = try StoredLease.decode(stored, keys: ledger.keys.ring)
            if lease.holder == holder, lease.isOpen, now < lease.expiresAt { liveForHolder += 1 }
        }
        guard liveForHolder < limits.maximumLivePerHolder else {
            throw .leaseLimitReached("holder \(holder) (\(liveForHolder) live)")
        }
    }

    /// Deletes leases that ended longer ago than the retention time, at most once a minute; the
    /// audit log keeps their history.
    func pruneIfDue(_ ledger: Ledger, now: Date) throws(VaultError) {
        guard leasePruning.claim(at: now) else { return }
        let cutoff = now.addingTimeInterval(-configuration.leaseLimits.endedLeaseRetention.seconds)
        for stored in try ledger.records(.lease, complete: false) {
            if try StoredLease.decode(stored, keys: ledger.keys.ring).isPrunable(before: cutoff, now: now) {
                ledger.delete(stored)
            }
        }
    }

    /// Records a refused lease operation in its own transaction (the failed one rolled back).
    /// Not when the store itself failed (busy, unreachable): that write would fail the same way.
    func recordDenial(_ error: any Error, account: String?, leaseID: String?, holder: String, action: String) {
        guard let vaultError = error as? VaultError, vaultError != .locked, vaultError != .busy else { return }
        switch vaultError {
        case .tampered, .storeUnreachable: return
        default: break
        }
        recordEvent(.init(event: "lease.deny", account: account, leaseID: leaseID, actor: holder,
                          detail: "\(action): \(vaultError.description)"))
    }
}
