import Foundation
import Testing
@testable import AppVault
import VaultCrypto

@Suite("Leases: narrow, short, revocable")
struct LeaseTests {
    func use(_ fixture: VaultFixture, _ lease: Lease, _ proto: MailProtocol? = nil) throws -> Int {
        try fixture.vault.redeem(lease, for: proto ?? lease.protocol) { $0.count }
    }

    @Test("a lease defaults to 60 seconds and one use, bound to the account's server and user", arguments: StoreKind.allCases)
    func defaults(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .smtp, holder: "t")
        #expect(lease.expiresAt.timeIntervalSince(lease.grantedAt) == 60)
        #expect(lease.usesLeft == 1)
        #expect(lease.endpoint == (try ServerEndpoint(host: "smtp.gmail.com", port: 465, security: .tls)))
        #expect(lease.username == "work@gmail.com")
    }

    @Test("a lease works once, then fails as used up", arguments: StoreKind.allCases)
    func singleUse(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        #expect(try use(fixture, lease) == 16)
        #expect(throws: VaultError.leaseUsedUp(lease.id)) { _ = try use(fixture, lease) }
    }

    @Test("an expired lease fails as expired", arguments: StoreKind.allCases)
    func expiry(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .imap, ttl: .seconds(5), uses: 3, holder: "t")
        #expect(try use(fixture, lease) == 16)
        fixture.clock.advance(seconds: 5)
        #expect(throws: VaultError.leaseExpired(lease.id)) { _ = try use(fixture, lease) }
    }

    @Test("a lease for SMTP cannot be used for IMAP", arguments: StoreKind.allCases)
    func wrongProtocol(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .smtp, holder: "t")
        #expect(throws: VaultError.leaseWrongProtocol(lease: lease.id, granted: .smtp, requested: .imap)) { _ = try use(fixture, lease, .imap) }
    }

    @Test("rotate makes older leases stale; revoke ends them; lease revoke ends one", arguments: StoreKind.allCases)
    func endings(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let beforeRotate = try fixture.vault.lease(account: "work", for: .imap, uses: 2, holder: "t")
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        #expect(throws: VaultError.leaseStale(beforeRotate.id)) { _ = try use(fixture, beforeRotate) }

        let single = try fixture.vault.lease(account: "work", for: .imap, uses: 2, holder: "t")
        try fixture.vault.revokeLease(id: single.id)
        #expect(throws: VaultError.leaseRevoked(single.id)) { _ = try use(fixture, single) }

        let beforeRevoke = try fixture.vault.lease(account: "work", for: .imap, uses: 2, holder: "t")
        #expect(try fixture.vault.liveLeases().map(\.id) == [beforeRevoke.id])
        try fixture.vault.revoke(account: "work")
        #expect(throws: VaultError.accountRevoked("work")) { _ = try use(fixture, beforeRevoke) }
        #expect(try fixture.vault.liveLeases().isEmpty)
    }

    @Test("a lease edited to point at another server is refused", arguments: StoreKind.allCases)
    func endpointBinding(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        var lease = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        lease.endpoint = try ServerEndpoint(host: "evil.example", port: 993, security: .tls)
        #expect(throws: VaultError.self) { _ = try use(fixture, lease) }
        lease.endpoint = try ServerEndpoint(host: "imap.gmail.com", port: 993, security: .tls)
        #expect(try use(fixture, lease) == 16, "the refused attempt did not spend the use")
    }

    @Test("TTL and uses are bounded; the TTL cap can be lowered, not raised", arguments: StoreKind.allCases)
    func bounds(store: StoreKind) throws {
        let fixture = try VaultFixture(store, limits: LeaseLimits(maximumTTL: .seconds(3600)))
        #expect(throws: VaultError.self) { _ = try fixture.vault.lease(account: "work", for: .imap, ttl: .seconds(901), holder: "t") }
        #expect(throws: VaultError.self) { _ = try fixture.vault.lease(account: "work", for: .imap, ttl: .zero, holder: "t") }
        #expect(throws: VaultError.self) { _ = try fixture.vault.lease(account: "work", for: .imap, uses: 0, holder: "t") }
        let lowered = try VaultFixture(store, limits: LeaseLimits(maximumTTL: .seconds(30)))
        #expect(throws: VaultError.self) { _ = try lowered.vault.lease(account: "work", for: .imap, ttl: .seconds(31), holder: "t") }
        _ = try lowered.vault.lease(account: "work", for: .imap, ttl: .seconds(30), holder: "t")
    }

    @Test("live leases are capped per account and per holder", arguments: StoreKind.allCases)
    func caps(store: StoreKind) throws {
        let fixture = try VaultFixture(store, limits: LeaseLimits(maximumLivePerAccount: 3, maximumLivePerHolder: 2))
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "a")
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "a")
        #expect(throws: VaultError.leaseLimitReached("holder a (2 live)")) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "a") }
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "b")
        #expect(throws: VaultError.leaseLimitReached("account 'work' (3 live)")) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "c") }
        fixture.clock.advance(seconds: 61)
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "c")
    }

    @Test("renew extends a lease up to its maximum lifetime; not after rotate", arguments: StoreKind.allCases)
    func renew(store: StoreKind) throws {
        let fixture = try VaultFixture(store, limits: LeaseLimits(maximumLifetime: .seconds(150)))
        let lease = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        fixture.clock.advance(seconds: 50)
        let renewed = try fixture.vault.renew(lease: lease.id)
        #expect(renewed.expiresAt == lease.grantedAt.addingTimeInterval(110))
        fixture.clock.advance(seconds: 50)
        let capped = try fixture.vault.renew(lease: lease.id)
        #expect(capped.expiresAt == lease.maximumExpiresAt)
        #expect(throws: VaultError.leaseRenewalLimit(lease.id)) { _ = try fixture.vault.renew(lease: lease.id) }
        let other = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        #expect(throws: VaultError.leaseStale(other.id)) { _ = try fixture.vault.renew(lease: other.id) }
    }

    @Test("leases are shared through the file: a revoke in one process ends them in another", arguments: StoreKind.allCases)
    func sharedAcrossHandles(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let second = try fixture.reopen()
        try second.unlock(with: passphrase("correct horse"))
        let lease = try fixture.vault.lease(account: "work", for: .imap, uses: 5, holder: "t")
        #expect(try second.liveLeases().map(\.id) == [lease.id])
        try second.revokeLease(id: lease.id)
        #expect(throws: VaultError.leaseRevoked(lease.id)) { _ = try use(fixture, lease) }
    }

    @Test("grants, uses and denials are audited without the secret", arguments: StoreKind.allCases)
    func audited(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .imap, holder: "peer-1")
        _ = try use(fixture, lease)
        _ = try? use(fixture, lease)
        let events = try fixture.vault.auditRecords().map(\.event)
        #expect(events == ["vault.create", "account.add", "lease.grant", "lease.use", "lease.deny"])
        let deny = try #require(try fixture.vault.auditRecords().last)
        #expect(deny.detail.contains("no uses left"))
        #expect(deny.actor == "peer-1")
        #expect(try fixture.vault.verifyAudit().isIntact)
    }
}
