import Foundation
import GRDB
package import VaultCrypto

extension Vault: LeaseRedeemer {
    /// Grants a lease on `account` for one protocol.
    ///
    /// - Parameters:
    ///   - ttl: how long it lives; the configured default (60 s) when nil, at most the maximum (15 min).
    ///   - uses: how many logins it allows (default 1).
    ///   - holder: who asks, recorded with the lease and in the audit log.
    public func lease(account name: String, for protocol: MailProtocol, ttl: Duration? = nil, uses: Int = 1,
                      holder: String) throws(VaultError) -> Lease {
        let limits = configuration.leaseLimits
        let ttl = ttl ?? limits.defaultTTL
        guard ttl > .zero, ttl <= limits.maximumTTL else {
            throw .invalidInput("a lease TTL must be between 1 second and \(Int(limits.maximumTTL.seconds)) seconds")
        }
        guard (1...limits.maximumUses).contains(uses) else {
            throw .invalidInput("a lease allows 1 to \(limits.maximumUses) uses")
        }
        let now = clock.now()
        do {
            return try withKeys { (ring) throws(VaultError) -> Lease in
                try database.write { db in
                    let (record, _) = try AccountRows.require(name, in: db)
                    guard record.status != .revoked else { throw VaultError.accountRevoked(name) }
                    if leasePruning.claim(at: now) { try pruneEndedLeases(db, now: now) }
                    let liveForAccount = try Int.fetchOne(
                        db.cachedStatement(sql: "SELECT COUNT(*) FROM leases WHERE account_id = ? AND \(Self.liveCondition)"),
                        arguments: [record.id, record.generation, now.timeIntervalSince1970]) ?? 0
                    guard liveForAccount < limits.maximumLivePerAccount else {
                        throw VaultError.leaseLimitReached("account '\(name)' (\(liveForAccount) live)")
                    }
                    let liveForHolder = try Int.fetchOne(
                        db.cachedStatement(sql: """
                            SELECT COUNT(*) FROM leases JOIN accounts ON accounts.id = leases.account_id
                            WHERE holder = ? AND leases.revoked_at IS NULL AND leases.generation = accounts.generation
                              AND expires_at > ? AND uses_left > 0
                            """),
                        arguments: [holder, now.timeIntervalSince1970]) ?? 0
                    guard liveForHolder < limits.maximumLivePerHolder else {
                        throw VaultError.leaseLimitReached("holder \(holder) (\(liveForHolder) live)")
                    }
                    let lease = Lease(
                        id: AuditLog.hex(SecureRandom.bytes(16)), account: name, protocol: `protocol`,
                        generation: record.generation, endpoint: record.endpoint(for: `protocol`),
                        username: record.email, grantedAt: now, expiresAt: now.addingTimeInterval(ttl.seconds),
                        maximumExpiresAt: now.addingTimeInterval(limits.maximumLifetime.seconds),
                        usesLeft: uses, holder: holder)
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO leases (id, account_id, protocol, generation, granted_at, expires_at,
                              max_expires_at, uses_left, holder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """
                    ).execute(arguments: [lease.id, record.id, `protocol`.rawValue, record.generation,
                                    now.timeIntervalSince1970, lease.expiresAt.timeIntervalSince1970,
                                    lease.maximumExpiresAt.timeIntervalSince1970, uses, holder])
                    try AuditLog.append(
                        .init(event: "lease.grant", account: name, leaseID: lease.id, actor: holder,
                              detail: "\(`protocol`) ttl \(Int(ttl.seconds))s uses \(uses) generation \(record.generation)"),
                        at: now, keys: ring, in: db)
                    return lease
                }
            }
        } catch {
            recordDenial(error, account: name, leaseID: nil, holder: holder, action: "grant \(`protocol`)")
            throw error
        }
    }

    /// Spends one use of `lease` and calls `body` with the account's secret, zeroed afterwards.
    ///
    /// Checked in one transaction against the stored lease: protocol, revocation, the account's
    /// generation, expiry, uses left, and that the lease's server and user are the account's.
    package func redeem<Result>(
        _ lease: Lease, for protocol: MailProtocol, _ body: (borrowing SecureBytes) throws -> Result
    ) throws -> Result {
        let now = clock.now()
        let secret: SecureBytes
        do {
            secret = try withKeys { (ring) throws(VaultError) -> SecureBytes in
                var opened: SecureBytes? = nil
                try database.write { db in
                    let (stored, record, sealed) = try validLease(lease.id, for: `protocol`, now: now, in: db)
                    guard lease.endpoint == record.endpoint(for: `protocol`), lease.username == record.email,
                          lease.account == record.name, lease.generation == stored.generation
                    else { throw VaultError.tampered("lease \(lease.id) does not match its account's server or user") }
                    guard let sealed else { throw VaultError.accountRevoked(record.name) }
                    opened = try AccountSealing.open(sealed, for: record, keys: ring)
                    try db.cachedStatement(sql: "UPDATE leases SET uses_left = uses_left - 1 WHERE id = ?")
                        .execute(arguments: [lease.id])
                    try AuditLog.append(
                        .init(event: "lease.use", account: record.name, leaseID: lease.id, actor: stored.holder,
                              detail: "\(`protocol`) \(record.endpoint(for: `protocol`)) uses left \(stored.usesLeft - 1)"),
                        at: now, keys: ring, in: db)
                }
                guard let secret = opened.take() else { throw VaultError.storage("lease secret missing") }
                return secret
            }
        } catch {
            recordDenial(error, account: lease.account, leaseID: lease.id, holder: lease.holder, action: "use \(`protocol`)")
            throw error
        }
        return try body(secret)
    }

    /// Extends a live lease by `ttl` (default: the configured default), up to its maximum lifetime.
    public func renew(lease id: String, ttl: Duration? = nil) throws(VaultError) -> Lease {
        let limits = configuration.leaseLimits
        let ttl = ttl ?? limits.defaultTTL
        guard ttl > .zero, ttl <= limits.maximumTTL else {
            throw .invalidInput("a lease TTL must be between 1 second and \(Int(limits.maximumTTL.seconds)) seconds")
        }
        let now = clock.now()
        do {
            return try withKeys { (ring) throws(VaultError) -> Lease in
                try database.write { db in
                    let row = try Row.fetchOne(db, sql: "SELECT protocol FROM leases WHERE id = ?", arguments: [id])
                    guard let protocolName: String = try row?.required("protocol"), let proto = MailProtocol(rawValue: protocolName) else {
                        throw VaultError.noSuchLease(id)
                    }
                    var (stored, record, _) = try validLease(id, for: proto, now: now, in: db)
                    guard stored.expiresAt < stored.maximumExpiresAt else { throw VaultError.leaseRenewalLimit(id) }
                    stored.expiresAt = min(now.addingTimeInterval(ttl.seconds), stored.maximumExpiresAt)
                    try db.execute(sql: "UPDATE leases SET expires_at = ? WHERE id = ?",
                                   arguments: [stored.expiresAt.timeIntervalSince1970, id])
                    try AuditLog.append(
                        .init(event: "lease.renew", account: record.name, leaseID: id, actor: stored.holder,
                              detail: "until \(ISO8601DateFormatter().string(from: stored.expiresAt))"),
                        at: now, keys: ring, in: db)
                    return stored
                }
            }
        } catch {
            recordDenial(error, account: nil, leaseID: id, holder: configuration.actor, action: "renew")
            throw error
        }
    }

    /// Ends one lease at once, for every process.
    public func revokeLease(id: String) throws(VaultError) {
        let now = clock.now()
        try withKeys { (ring) throws(VaultError) in
            try database.write { db in
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT leases.revoked_at, accounts.name FROM leases JOIN accounts ON accounts.id = leases.account_id WHERE leases.id = ?",
                    arguments: [id]) else { throw VaultError.noSuchLease(id) }
                guard (try row.optional("revoked_at", as: Double.self)) == nil else { throw VaultError.leaseRevoked(id) }
                try db.execute(sql: "UPDATE leases SET revoked_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
                try AuditLog.append(.init(event: "lease.revoke", account: try row.required("name"), leaseID: id, actor: configuration.actor),
                                    at: now, keys: ring, in: db)
            }
        }
    }

    /// Leases that can still be used: not revoked, not expired, uses left, current generation.
    public func liveLeases() throws(VaultError) -> [Lease] {
        let now = clock.now()
        return try database.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT leases.*, accounts.name FROM leases JOIN accounts ON accounts.id = leases.account_id
                    WHERE accounts.status != 'revoked' AND leases.revoked_at IS NULL
                      AND leases.generation = accounts.generation AND expires_at > ? AND uses_left > 0
                    ORDER BY granted_at
                    """,
                arguments: [now.timeIntervalSince1970]
            ).map { row in
                let (record, _) = try AccountRows.require(try row.required("name"), in: db)
                return try Self.decodeLease(row, account: record)
            }
        }
    }

    /// The stored lease `id` in whatever state it is (live, spent, expired, revoked, stale), so a
    /// holder can present it again. Needs no unlock; the secret is reached only by redeeming it.
    public func lease(id: String) throws(VaultError) -> Lease {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE id = ?", arguments: [id]),
                  let (record, _) = try AccountRows.find(id: row.required("account_id"), in: db)
            else { throw VaultError.noSuchLease(id) }
            return try Self.decodeLease(row, account: record)
        }
    }

    // MARK: - Shared checks

    /// A lease that is live: counts toward the caps. Arguments: account id, generation, now.
    private static let liveCondition = "revoked_at IS NULL AND generation = ? AND expires_at > ? AND uses_left > 0"

    private func validLease(_ id: String, for proto: MailProtocol, now: Date, in db: Database) throws
        -> (Lease, AccountRecord, sealed: [UInt8]?)
    {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM leases WHERE id = ?"), arguments: [id]) else {
            throw VaultError.noSuchLease(id)
        }
        guard let (record, sealed) = try AccountRows.find(id: try row.required("account_id"), in: db) else {
            throw VaultError.noSuchLease(id)
        }
        let stored = try Self.decodeLease(row, account: record)
        guard stored.protocol == proto else {
            throw VaultError.leaseWrongProtocol(lease: id, granted: stored.protocol, requested: proto)
        }
        guard record.status != .revoked else { throw VaultError.accountRevoked(record.name) }
        guard (try row.optional("revoked_at", as: Double.self)) == nil else { throw VaultError.leaseRevoked(id) }
        guard stored.generation == record.generation else { throw VaultError.leaseStale(id) }
        guard now < stored.expiresAt else { throw VaultError.leaseExpired(id) }
        guard stored.usesLeft > 0 else { throw VaultError.leaseUsedUp(id) }
        return (stored, record, sealed)
    }

    private static func decodeLease(_ row: Row, account: AccountRecord) throws -> Lease {
        guard let proto = MailProtocol(rawValue: try row.required("protocol")) else {
            throw VaultError.tampered("a lease row has an unknown protocol")
        }
        return Lease(
            id: try row.required("id"), account: account.name, protocol: proto, generation: try row.required("generation"),
            endpoint: account.endpoint(for: proto), username: account.email,
            grantedAt: Date(timeIntervalSince1970: try row.required("granted_at")),
            expiresAt: Date(timeIntervalSince1970: try row.required("expires_at")),
            maximumExpiresAt: Date(timeIntervalSince1970: try row.required("max_expires_at")),
            usesLeft: try row.required("uses_left"), holder: try row.required("holder"))
    }

    /// Deletes leases that ended longer ago than the retention time; the audit log keeps their history.
    private func pruneEndedLeases(_ db: Database, now: Date) throws {
        let cutoff = now.addingTimeInterval(-configuration.leaseLimits.endedLeaseRetention.seconds).timeIntervalSince1970
        try db.cachedStatement(
            sql: """
                DELETE FROM leases WHERE expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)
                  OR (uses_left <= 0 AND granted_at < ?)
                """
        ).execute(arguments: [cutoff, cutoff, cutoff])
    }

    private func recordDenial(_ error: any Error, account: String?, leaseID: String?, holder: String, action: String) {
        guard let vaultError = error as? VaultError, vaultError != .locked, vaultError != .busy else { return }
        recordEvent(.init(event: "lease.deny", account: account, leaseID: leaseID, actor: holder,
                          detail: "\(action): \(vaultError.description)"))
    }
}
