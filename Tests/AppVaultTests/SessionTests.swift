import Foundation
import Testing
@testable import AppVault
import VaultCrypto

/// The text of a new token, as the client would be given it.
private func newToken(_ fixture: VaultFixture, client: String = "finance", protocols: Set<MailProtocol> = [.imap, .smtp],
                      expiresIn: Duration? = nil) throws -> (ClientToken, String) {
    let created = try fixture.vault.addToken(account: "work", client: client, protocols: protocols, expiresIn: expiresIn)
    let token = created.token
    return (token, created.reveal { String(decoding: $0, as: UTF8.self) })
}

private func open(_ fixture: VaultFixture, _ credential: String, account: String = "work", _ proto: MailProtocol = .imap) throws -> Lease {
    try fixture.vault.openSession(account: account, credential: secret(credential), protocol: proto, holder: "uid 1000 pid 7 /usr/bin/python3")
}

@Suite("Client tokens and proxied sessions (issue 9)")
struct SessionTests {
    @Test("a token is shown once, 128 random bits, stored only as a keyed hash, listed without its text", arguments: StoreKind.allCases)
    func tokenShownOnce(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let (token, text) = try newToken(fixture)
        #expect(text.count == 53 && text.hasPrefix("avt-\(token.id)-"))
        #expect(try fixture.vault.tokens() == [token])
        let cells = try fixture.store.allCells()
        #expect(!cells.contains(subsequence: Array(text.suffix(32).utf8)), "the secret part is not in the file")
        let (_, other) = try newToken(fixture)
        #expect(other.suffix(32) != text.suffix(32))
    }

    @Test("a token opens a session that holds a lease; the session's one use is the upstream login", arguments: StoreKind.allCases)
    func tokenOpensSession(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let (token, text) = try newToken(fixture)
        let session = try open(fixture, text)
        #expect(session.kind == .session && session.client == "finance" && session.usesLeft == 1)
        #expect(try fixture.vault.liveLeases().map(\.id) == [session.id])
        let password = try fixture.vault.redeem(session, for: .imap) { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
        #expect(password == "abcdefghijklmnop")
        #expect(throws: VaultError.leaseUsedUp(session.id)) { _ = try fixture.vault.redeem(session, for: .imap) { $0.count } }
        #expect(try fixture.vault.liveLeases().map(\.id) == [session.id], "the session stays live after its login")
        #expect(try fixture.vault.tokens()[0].lastUsedAt != nil)
        fixture.vault.endSession(id: session.id, SessionEnd(bytesFromUpstream: 1234, bytesToUpstream: 56, duration: .seconds(3), reason: "client logged out"))
        #expect(try fixture.vault.liveLeases().isEmpty)
        let events = try fixture.vault.auditRecords()
        #expect(events.contains { $0.event == "session.open" && $0.tokenID == token.id && $0.actor.contains("python3") })
        #expect(events.contains { $0.event == "session.end" && $0.detail.contains("1234 bytes down") })
    }

    @Test("wrong, unknown, malformed, other-account, wrong-protocol, expired and revoked tokens are refused; the account is untouched", arguments: StoreKind.allCases)
    func badTokens(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(AccountSpec(name: "home", email: "home@gmail.com", provider: "gmail"), secret: secret("hhhh iiii jjjj kkkk"))
        let (token, text) = try newToken(fixture, protocols: [.imap], expiresIn: .seconds(3600))
        var wrong = Array(text)
        wrong[wrong.count - 1] = wrong.last == "0" ? "1" : "0"
        let rejected: [(String, String, MailProtocol)] = [
            (String(wrong), "work", .imap), ("avt-0011223344556677-00112233445566778899aabbccddeeff", "work", .imap),
            ("hunter2", "work", .imap), (text, "home", .imap), (text, "work", .smtp), (text, "nobody", .imap),
            (text.uppercased(), "work", .imap),
        ]
        for (credential, account, proto) in rejected {
            #expect(throws: VaultError.self) { _ = try open(fixture, credential, account: account, proto) }
            do { _ = try open(fixture, credential, account: account, proto) } catch let error as VaultError {
                guard case .credentialRejected = error else { Issue.record("expected credentialRejected, got \(error)"); continue }
            }
        }
        #expect(try fixture.readSecret() == "abcdefghijklmnop", "failed logins changed nothing")
        #expect(try fixture.vault.account(named: "work").status == .active)
        fixture.clock.advance(seconds: 3601)
        #expect(throws: VaultError.tokenExpired(token.id)) { _ = try open(fixture, text) }
        try fixture.vault.revokeToken(id: token.id)
        #expect(throws: VaultError.self) { _ = try open(fixture, text) }
        #expect(try fixture.vault.auditRecords().filter { $0.event == "session.deny" }.count == rejected.count * 2 + 2)
    }

    @Test("rotation is invisible to a token: the same token opens a session with the new password", arguments: StoreKind.allCases)
    func rotationKeepsTokens(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let (_, text) = try newToken(fixture)
        let before = try open(fixture, text)
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        #expect(throws: VaultError.leaseStale(before.id), "the session that was live ends") {
            _ = try fixture.vault.renewSessions([before.id])[before.id].map { throw $0 }
        }
        let after = try open(fixture, text)
        #expect(try fixture.vault.redeem(after, for: .imap) { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } } == "qqqqrrrrsssstttt")
    }

    @Test("a login lease opens one session, then is spent; a wrong lease password costs nothing", arguments: StoreKind.allCases)
    func loginLease(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let granted = try fixture.vault.grantLoginLease(account: "work", for: .smtp, holder: "cli")
        let lease = granted.lease
        let password = granted.revealPassword { String(decoding: $0, as: UTF8.self) }
        #expect(password.hasPrefix("avl-\(lease.id)-"))
        #expect(throws: VaultError.self) { _ = try open(fixture, String(password.dropLast()) + "x", .smtp) }
        #expect(throws: VaultError.leaseWrongProtocol(lease: lease.id, granted: .smtp, requested: .imap)) { _ = try open(fixture, password, .imap) }
        let session = try open(fixture, password, .smtp)
        #expect(session.id == lease.id && session.kind == .session && session.holder.contains("python3"))
        #expect(throws: VaultError.leaseUsedUp(lease.id)) { _ = try open(fixture, password, .smtp) }
        fixture.clock.advance(seconds: 30)
        let other = try fixture.vault.grantLoginLease(account: "work", for: .imap, ttl: .seconds(10), holder: "cli")
        let otherID = other.lease.id
        let otherPassword = other.revealPassword { String(decoding: $0, as: UTF8.self) }
        fixture.clock.advance(seconds: 11)
        #expect(throws: VaultError.leaseExpired(otherID)) { _ = try open(fixture, otherPassword) }
    }

    @Test("sessions are capped per account and protocol; ended or expired sessions free their place", arguments: StoreKind.allCases)
    func sessionCap(store: StoreKind) throws {
        let fixture = try VaultFixture(store, limits: LeaseLimits(maximumSessionsPerAccount: 2))
        let (_, text) = try newToken(fixture)
        let first = try open(fixture, text)
        _ = try open(fixture, text)
        #expect(throws: VaultError.tooManySessions(account: "work", limit: 2)) { _ = try open(fixture, text) }
        _ = try open(fixture, text, .smtp)
        fixture.vault.endSession(id: first.id, SessionEnd(bytesFromUpstream: 0, bytesToUpstream: 0, duration: .zero, reason: "done"))
        _ = try open(fixture, text)
        fixture.clock.advance(seconds: 121)
        _ = try open(fixture, text)
        _ = try open(fixture, text)
    }

    @Test("renewal keeps sessions alive within their lifetime and reports the ones that must end", arguments: StoreKind.allCases)
    func renewal(store: StoreKind) throws {
        let fixture = try VaultFixture(store, limits: LeaseLimits(sessionTTL: .seconds(60), sessionLifetime: .seconds(150)))
        let (token, text) = try newToken(fixture)
        let session = try open(fixture, text)
        let revokedLater = try open(fixture, text)
        fixture.clock.advance(seconds: 50)
        #expect(try fixture.vault.renewSessions([session.id, revokedLater.id]).isEmpty)
        try fixture.vault.revokeLease(id: revokedLater.id)
        fixture.clock.advance(seconds: 45)
        let failures = try fixture.vault.renewSessions([session.id, revokedLater.id])
        #expect(failures[revokedLater.id] == .leaseRevoked(revokedLater.id))
        #expect(failures[session.id] == nil, "extended to its 150 s lifetime")
        fixture.clock.advance(seconds: 10)
        #expect(try fixture.vault.renewSessions([session.id])[session.id] == .leaseRenewalLimit(session.id))
        let next = try open(fixture, text)
        try fixture.vault.revokeToken(id: token.id)
        #expect(try fixture.vault.renewSessions([next.id])[next.id] == .credentialRejected("client token \(token.id) was revoked"))
    }

    @Test("a revoked account ends its sessions and deletes its tokens; a dead one opens no session", arguments: StoreKind.allCases)
    func revokedAndDeadAccounts(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let (_, text) = try newToken(fixture)
        let session = try open(fixture, text)
        try fixture.vault.recordCheck(account: "work", passwordWorks: false, detail: "AUTHENTICATIONFAILED")
        #expect(throws: VaultError.accountDead("work")) { _ = try open(fixture, text) }
        #expect(try fixture.vault.renewSessions([session.id])[session.id] == .accountDead("work"))
        try fixture.vault.recordCheck(account: "work", passwordWorks: true, detail: "fixed")
        let summary = try fixture.vault.revoke(account: "work")
        #expect(summary.tokensRevoked == 1 && summary.leasesEnded == 1)
        #expect(try fixture.vault.tokens().isEmpty)
        #expect(throws: VaultError.self) { _ = try open(fixture, text) }
    }

    @Test("the audit cursor follows changes made through another handle (another process)", arguments: StoreKind.allCases)
    func changeFeed(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let cursor = try fixture.vault.auditCursor()
        let other = try fixture.reopenUnlocked()
        try other.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        _ = try other.addToken(account: "work", client: "x", protocols: [.imap])
        let (next, records) = try fixture.vault.auditChanges(after: cursor)
        #expect(records.map(\.event) == ["account.rotate", "token.add"])
        #expect(try fixture.vault.auditChanges(after: next).1.isEmpty)
        try fixture.sql("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        #expect(throws: VaultError.self) { _ = try fixture.vault.auditChanges(after: cursor) }
    }

    @Test("traffic recorded for many accounts at once lands in one transaction and drops old days", arguments: StoreKind.allCases)
    func batchedTraffic(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(AccountSpec(name: "home", email: "home@gmail.com", provider: "gmail"), secret: secret("hhhh iiii jjjj kkkk"))
        try fixture.vault.recordTraffic(["work": (100, 1), "home": (200, 2), "gone": (5, 5)])
        #expect(try fixture.vault.trafficToday(account: "home").bytesIn == 200)
        fixture.clock.advance(seconds: 86_400 * 40)
        try fixture.vault.recordTraffic(account: "work", bytesIn: 7, bytesOut: 0)
        let rows = try fixture.vault.store.read { try $0.records(.traffic) }
        #expect(rows.count == 2, "work's 40-day-old day was dropped; home's stays until home records again")
    }

    @Test("fetch state is sealed per account and mailbox and survives reopening", arguments: StoreKind.allCases)
    func fetchState(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        #expect(try fixture.vault.fetchState(account: "work", mailbox: "INBOX") == nil)
        let state = FetchState(uidValidity: 42, lastUID: 1000, updatedAt: fixture.clock.now())
        try fixture.vault.setFetchState(state, account: "work", mailbox: "INBOX")
        #expect(try fixture.reopenUnlocked().fetchState(account: "work", mailbox: "INBOX")?.lastUID == 1000)
        #expect(try fixture.vault.fetchState(account: "work", mailbox: "Archive") == nil)
    }
}

@Suite("Group commit: concurrent writers share transactions")
struct GroupCommitTests {
    @Test("concurrent grants land, failures stay the failing caller's own, and fewer commits than operations run")
    func sharedTransactions() throws {
        let fixture = try VaultFixture(limits: LeaseLimits(maximumLivePerAccount: 1000, maximumLivePerHolder: 1000))
        let before = try fixture.vault.read { ledger throws(VaultError) in ledger.committed.counter }
        let outcomes = Outcomes()
        let group = DispatchGroup()
        let vault = fixture.vault
        for thread in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                for round in 0..<25 {
                    let account = (thread + round) % 5 == 0 ? "nobody" : "work"
                    do {
                        _ = try vault.lease(account: account, for: .imap, holder: "thread \(thread)")
                        outcomes.add(success: true)
                    } catch {
                        outcomes.add(success: false, expected: (error as? VaultError) == .noSuchAccount("nobody"))
                    }
                }
                group.leave()
            }
        }
        group.wait()
        #expect(outcomes.unexpected == 0)
        #expect(outcomes.successes == 160 && outcomes.failures == 40)
        #expect(try fixture.vault.liveLeases().count == 160)
        let after = try fixture.vault.read { ledger throws(VaultError) in ledger.committed.counter }
        #expect(after - before < 200, "160 grants and 40 denials shared transactions: \(after - before) commits")
        let verification = try fixture.vault.verifyAudit()
        #expect(verification.isIntact)
        #expect(try fixture.vault.auditRecords().filter { $0.event == "lease.grant" }.count == 160)
    }
}

/// Counts outcomes from several threads.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var successes = 0
    private(set) var failures = 0
    private(set) var unexpected = 0
    func add(success: Bool, expected: Bool = true) {
        lock.lock()
        defer { lock.unlock() }
        if success { successes += 1 } else { failures += 1 }
        if !expected { unexpected += 1 }
    }
}
