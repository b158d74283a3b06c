import Foundation
import GRDB
public import VaultCrypto

/// A newly generated account password with its record: the one time the secret is shown.
public struct GeneratedSecret: ~Copyable {
    /// The stored account.
    public let record: AccountRecord
    private let secret: RevealedSecret

    init(record: AccountRecord, secret: consuming RevealedSecret) {
        self.record = record
        self.secret = secret
    }

    /// Calls `body` once with the secret's bytes, then destroys them (view once).
    public consuming func reveal<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try secret.reveal(body)
    }
}

extension Vault {
    /// Every account, including revoked tombstones, by name. Needs no unlock; shows no secret.
    public func accounts() throws(VaultError) -> [AccountRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY name").map(AccountRows.decode)
        }
    }

    /// The account called `name`.
    public func account(named name: String) throws(VaultError) -> AccountRecord {
        try database.read { db in try AccountRows.require(name, in: db).0 }
    }

    /// Stores a new account with its app password. A revoked account of the same name is
    /// brought back with a new generation.
    ///
    /// - Throws: ``VaultError/accountExists(_:)`` when an active account has this name.
    @discardableResult
    public func addAccount(_ spec: AccountSpec, secret: consuming SecureBytes) throws(VaultError) -> AccountRecord {
        let secret = try AppPassword.normalise(secret, sixteenLetters: Self.usesSixteenLetters(spec.provider))
        let now = clock.now()
        return try withKeys { (ring) throws(VaultError) -> AccountRecord in
            try database.write { db in
                var record: AccountRecord
                if let (existing, _) = try AccountRows.find(spec.name, in: db) {
                    guard existing.status == .revoked else { throw VaultError.accountExists(spec.name) }
                    record = existing
                    record.generation += 1
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO accounts (name, email, provider, imap_host, imap_port, imap_security,
                              smtp_host, smtp_port, smtp_security, daily_download_limit, daily_upload_limit,
                              status, generation, created_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, ?)
                            """,
                        arguments: [spec.name, spec.email, spec.provider, spec.imap.host, spec.imap.port,
                                    spec.imap.security.rawValue, spec.smtp.host, spec.smtp.port,
                                    spec.smtp.security.rawValue, spec.dailyDownloadLimitBytes,
                                    spec.dailyUploadLimitBytes, now.timeIntervalSince1970])
                    record = try AccountRows.find(id: db.lastInsertedRowID, in: db)!.0
                }
                record.email = spec.email
                record.provider = spec.provider
                record.imap = spec.imap
                record.smtp = spec.smtp
                record.dailyDownloadLimitBytes = spec.dailyDownloadLimitBytes
                record.dailyUploadLimitBytes = spec.dailyUploadLimitBytes
                record.status = .active
                record.createdAt = Date(timeIntervalSince1970: now.timeIntervalSince1970)
                record.rotatedAt = nil
                record.revokedAt = nil
                record.checkedAt = nil
                record.fingerprint = ring.fingerprint(of: secret)
                let sealed = try AccountSealing.seal(secret, for: record, generation: record.generation, keys: ring)
                try db.execute(
                    sql: """
                        UPDATE accounts SET email = ?, provider = ?, imap_host = ?, imap_port = ?, imap_security = ?,
                          smtp_host = ?, smtp_port = ?, smtp_security = ?, daily_download_limit = ?,
                          daily_upload_limit = ?, status = 'active', generation = ?, fingerprint = ?,
                          sealed_secret = ?, created_at = ?, rotated_at = NULL, revoked_at = NULL, checked_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [record.email, record.provider, record.imap.host, record.imap.port,
                                record.imap.security.rawValue, record.smtp.host, record.smtp.port,
                                record.smtp.security.rawValue, record.dailyDownloadLimitBytes,
                                record.dailyUploadLimitBytes, record.generation, record.fingerprint,
                                Data(sealed), now.timeIntervalSince1970, record.id])
                try AuditLog.append(
                    .init(event: "account.add", account: record.name, actor: configuration.actor,
                          detail: "generation \(record.generation), fingerprint \(record.fingerprint ?? "-"), provider \(record.provider)"),
                    at: now, keys: ring, in: db)
                return record
            }
        }
    }

    /// Stores a new account with a freshly generated password, returned once for display.
    public func addAccount(_ spec: AccountSpec, generatingSecret: Void = ()) throws(VaultError) -> GeneratedSecret {
        let generated = try AppPassword.generate(sixteenLetters: Self.usesSixteenLetters(spec.provider))
        let copy: SecureBytes
        do { copy = try generated.slice(0..<generated.count) } catch { throw .crypto(error.description) }
        let record = try addAccount(spec, secret: generated)
        return GeneratedSecret(record: record, secret: RevealedSecret(copy))
    }

    /// Replaces an account's password and bumps its generation: every older lease fails from now on.
    @discardableResult
    public func rotate(account name: String, secret: consuming SecureBytes) throws(VaultError) -> AccountRecord {
        let current = try account(named: name)
        let secret = try AppPassword.normalise(secret, sixteenLetters: Self.usesSixteenLetters(current.provider))
        let now = clock.now()
        let rotated = try withKeys { (ring) throws(VaultError) -> AccountRecord in
            try database.write { db in
                var (record, _) = try AccountRows.require(name, in: db)
                guard record.status != .revoked else { throw VaultError.accountRevoked(name) }
                record.generation += 1
                record.status = .active
                record.rotatedAt = now
                record.fingerprint = ring.fingerprint(of: secret)
                let sealed = try AccountSealing.seal(secret, for: record, generation: record.generation, keys: ring)
                try db.execute(
                    sql: """
                        UPDATE accounts SET generation = ?, status = 'active', fingerprint = ?, sealed_secret = ?,
                          rotated_at = ? WHERE id = ?
                        """,
                    arguments: [record.generation, record.fingerprint, Data(sealed), now.timeIntervalSince1970, record.id])
                try AuditLog.append(
                    .init(event: "account.rotate", account: name, actor: configuration.actor,
                          detail: "generation \(record.generation), fingerprint \(record.fingerprint ?? "-")"),
                    at: now, keys: ring, in: db)
                return record
            }
        }
        database.checkpoint()
        return rotated
    }

    /// Rotates to a freshly generated password, returned once for display.
    public func rotate(account name: String, generatingSecret: Void = ()) throws(VaultError) -> GeneratedSecret {
        let provider = try account(named: name).provider
        let generated = try AppPassword.generate(sixteenLetters: Self.usesSixteenLetters(provider))
        let copy: SecureBytes
        do { copy = try generated.slice(0..<generated.count) } catch { throw .crypto(error.description) }
        let record = try rotate(account: name, secret: generated)
        return GeneratedSecret(record: record, secret: RevealedSecret(copy))
    }

    /// Destroys an account's secret, keeping a tombstone (name, times), and ends all its leases.
    @discardableResult
    public func revoke(account name: String) throws(VaultError) -> AccountRecord {
        let now = clock.now()
        let record = try withKeys { (ring) throws(VaultError) -> AccountRecord in
            try database.write { db in
                var (record, _) = try AccountRows.require(name, in: db)
                guard record.status != .revoked else { throw VaultError.accountRevoked(name) }
                record.generation += 1
                record.status = .revoked
                record.revokedAt = now
                record.fingerprint = nil
                try db.execute(
                    sql: """
                        UPDATE accounts SET generation = ?, status = 'revoked', fingerprint = NULL,
                          sealed_secret = NULL, revoked_at = ? WHERE id = ?
                        """,
                    arguments: [record.generation, now.timeIntervalSince1970, record.id])
                let ended = try Int.fetchOne(
                    db, sql: """
                        SELECT COUNT(*) FROM leases WHERE account_id = ? AND revoked_at IS NULL
                          AND generation = ? AND expires_at > ? AND uses_left > 0
                        """,
                    arguments: [record.id, record.generation - 1, now.timeIntervalSince1970]) ?? 0
                try db.execute(sql: "UPDATE leases SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                               arguments: [now.timeIntervalSince1970, record.id])
                try AuditLog.append(
                    .init(event: "account.revoke", account: name, actor: configuration.actor,
                          detail: "generation \(record.generation), \(ended) live lease(s) ended, secret destroyed"),
                    at: now, keys: ring, in: db)
                return record
            }
        }
        database.checkpoint()
        return record
    }

    /// Records the outcome of a login probe: a failed one marks the account dead, a good one active.
    @discardableResult
    public func recordCheck(account name: String, passwordWorks: Bool, detail: String) throws(VaultError) -> AccountRecord {
        let now = clock.now()
        return try withKeys { (ring) throws(VaultError) -> AccountRecord in
            try database.write { db in
                var (record, _) = try AccountRows.require(name, in: db)
                guard record.status != .revoked else { throw VaultError.accountRevoked(name) }
                record.status = passwordWorks ? .active : .dead
                record.checkedAt = now
                try db.execute(sql: "UPDATE accounts SET status = ?, checked_at = ? WHERE id = ?",
                               arguments: [record.status.rawValue, now.timeIntervalSince1970, record.id])
                try AuditLog.append(
                    .init(event: "account.check", account: name, actor: configuration.actor,
                          detail: "\(passwordWorks ? "login works" : "login failed: marked dead"); \(detail)"),
                    at: now, keys: ring, in: db)
                return record
            }
        }
    }

    static func usesSixteenLetters(_ provider: String) -> Bool {
        ProviderPreset.named(provider)?.usesSixteenLetterAppPasswords ?? false
    }
}
