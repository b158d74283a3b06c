import Foundation
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

/// What revoking an account ended.
public struct RevocationSummary: Sendable, Equatable {
    /// The account's tombstone.
    public var record: AccountRecord
    /// Live leases (and so proxied sessions) that were ended.
    public var leasesEnded: Int
    /// Client tokens of the account that were deleted.
    public var tokensRevoked: Int
}

extension Vault {
    /// Every account, including revoked tombstones, by name. Needs the keys: names are sealed.
    /// The whole integrity tree is checked, so an account row removed from the file is found.
    public func accounts() throws(VaultError) -> [AccountRecord] {
        try read { ledger throws(VaultError) in
            var accounts = [AccountRecord]()
            for stored in try ledger.records(.account, complete: true) {
                accounts.append(try StoredAccount.decode(stored, keys: ledger.keys.ring).record)
            }
            return accounts.sorted { $0.name < $1.name }
        }
    }

    /// The account called `name`.
    public func account(named name: String) throws(VaultError) -> AccountRecord {
        try read { ledger throws(VaultError) in try StoredAccount.require(name, in: ledger).record }
    }

    /// Stores a new account with its app password. A revoked account of the same name is
    /// brought back with a new generation.
    ///
    /// - Throws: ``VaultError/accountExists(_:)`` when an account that is not revoked has this name.
    @discardableResult
    public func addAccount(_ spec: AccountSpec, secret: consuming SecureBytes) throws(VaultError) -> AccountRecord {
        let secret = try AppPassword.normalise(secret, sixteenLetters: Self.usesSixteenLetters(spec.provider))
        let now = clock.now()
        return try write { ledger throws(VaultError) -> AccountRecord in
            var account: StoredAccount
            if let existing = try StoredAccount.find(spec.name, in: ledger) {
                guard existing.record.status == .revoked else { throw .accountExists(spec.name) }
                account = existing
                account.record.generation += 1
            } else {
                let accountID = SecureRandom.bytes(16)
                account = StoredAccount(
                    record: AccountRecord(
                        id: Hex.encode(accountID), name: spec.name, email: spec.email, provider: spec.provider,
                        imap: spec.imap, smtp: spec.smtp, dailyDownloadLimitBytes: spec.dailyDownloadLimitBytes,
                        dailyUploadLimitBytes: spec.dailyUploadLimitBytes, status: .active, generation: 1,
                        fingerprint: nil, createdAt: now),
                    accountID: accountID, key: StoredAccount.key(for: spec.name, keys: ledger.keys.ring))
            }
            account.record.email = spec.email
            account.record.provider = spec.provider
            account.record.imap = spec.imap
            account.record.smtp = spec.smtp
            account.record.dailyDownloadLimitBytes = spec.dailyDownloadLimitBytes
            account.record.dailyUploadLimitBytes = spec.dailyUploadLimitBytes
            account.record.status = .active
            account.record.createdAt = now
            account.record.rotatedAt = nil
            account.record.revokedAt = nil
            account.record.checkedAt = nil
            account.record.fingerprint = ledger.keys.ring.fingerprint(of: secret)
            try account.save(in: ledger)
            try ledger.put(AccountSealing.seal(secret, for: account, keys: ledger.keys.ring))
            try AuditLog.append(
                .init(event: "account.add", account: spec.name, actor: configuration.actor,
                      detail: "generation \(account.record.generation), fingerprint \(account.record.fingerprint ?? "-"), provider \(spec.provider)"),
                at: now, to: ledger)
            return account.record
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

    /// Replaces an account's password and bumps its generation: every older lease fails from now
    /// on and live proxied sessions end; client tokens keep working with the new password.
    ///
    /// The whole account row is checked first: one edited outside appvault (a server redirected,
    /// a status changed) is ``VaultError/tampered(_:)`` and nothing is sealed to it.
    @discardableResult
    public func rotate(account name: String, secret: consuming SecureBytes) throws(VaultError) -> AccountRecord {
        let provider = try account(named: name).provider
        let secret = try AppPassword.normalise(secret, sixteenLetters: Self.usesSixteenLetters(provider))
        let now = clock.now()
        let rotated = try write { ledger throws(VaultError) -> AccountRecord in
            var account = try StoredAccount.require(name, in: ledger)
            guard account.record.status != .revoked else { throw .accountRevoked(name) }
            account.record.generation += 1
            account.record.status = .active
            account.record.rotatedAt = now
            account.record.fingerprint = ledger.keys.ring.fingerprint(of: secret)
            try account.save(in: ledger)
            try ledger.put(AccountSealing.seal(secret, for: account, keys: ledger.keys.ring))
            try AuditLog.append(
                .init(event: "account.rotate", account: name, actor: configuration.actor,
                      detail: "generation \(account.record.generation), fingerprint \(account.record.fingerprint ?? "-")"),
                at: now, to: ledger)
            return account.record
        }
        store.checkpoint()
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

    /// Destroys an account's secret, keeping a tombstone (name, times), ends all its leases (and
    /// so its proxied sessions) and deletes its client tokens.
    @discardableResult
    public func revoke(account name: String) throws(VaultError) -> RevocationSummary {
        let now = clock.now()
        let summary = try write { ledger throws(VaultError) -> RevocationSummary in
            var account = try StoredAccount.require(name, in: ledger)
            guard account.record.status != .revoked else { throw .accountRevoked(name) }
            let generation = account.record.generation
            account.record.generation += 1
            account.record.status = .revoked
            account.record.revokedAt = now
            account.record.fingerprint = nil
            try account.save(in: ledger)
            if let secret = try ledger.record(.accountSecret, key: account.key) { ledger.delete(secret) }
            var ended = 0
            for var lease in try StoredLease.open(of: account, in: ledger) {
                if lease.isLive(now: now, generation: generation) { ended += 1 }
                lease.revokedAt = now
                try lease.save(in: ledger)
            }
            let tokens = try StoredToken.all(of: account, in: ledger)
            for token in tokens { ledger.delete(token.stored) }
            try AuditLog.append(
                .init(event: "account.revoke", account: name, actor: configuration.actor,
                      detail: "generation \(account.record.generation), \(ended) live lease(s) ended, \(tokens.count) token(s) deleted, secret destroyed"),
                at: now, to: ledger)
            return RevocationSummary(record: account.record, leasesEnded: ended, tokensRevoked: tokens.count)
        }
        store.checkpoint()
        return summary
    }

    /// Records the outcome of a login probe: a rejected password marks the account dead, a
    /// working one active. Temporary refusals must not be recorded here (they say nothing about
    /// the password).
    @discardableResult
    public func recordCheck(account name: String, passwordWorks: Bool, detail: String) throws(VaultError) -> AccountRecord {
        let now = clock.now()
        return try write { ledger throws(VaultError) -> AccountRecord in
            var account = try StoredAccount.require(name, in: ledger)
            guard account.record.status != .revoked else { throw .accountRevoked(name) }
            account.record.status = passwordWorks ? .active : .dead
            account.record.checkedAt = now
            try account.save(in: ledger)
            try AuditLog.append(
                .init(event: "account.check", account: name, actor: configuration.actor,
                      detail: "\(passwordWorks ? "login works" : "login failed: marked dead"); \(detail)"),
                at: now, to: ledger)
            return account.record
        }
    }

    static func usesSixteenLetters(_ provider: String) -> Bool {
        ProviderPreset.named(provider)?.usesSixteenLetterAppPasswords ?? false
    }
}
