import Foundation
import Glibc
import Testing
@testable import AppVault
import VaultCrypto

@Suite("Accounts: add, view once, rotate, revoke, input checks")
struct AccountTests {
    @Test("add stores metadata and a fingerprint, never the plaintext", arguments: StoreKind.allCases)
    func addStoresNoPlaintext(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let record = try fixture.vault.account(named: "work")
        #expect(record.imap == (try ServerEndpoint(host: "imap.gmail.com", port: 993, security: .tls)))
        #expect(record.smtp == (try ServerEndpoint(host: "smtp.gmail.com", port: 465, security: .tls)))
        #expect(record.generation == 1)
        #expect(record.fingerprint?.count == 14)
        #expect(record.dailyDownloadLimitBytes == 2_500_000_000)
        let cells = try fixture.store.allCells()
        #expect(!cells.contains(subsequence: Array("abcdefghijklmnop".utf8)))
        #expect(!cells.contains(subsequence: Array("abcd efgh".utf8)))
    }

    @Test("the Gmail form is normalised and must be 16 letters", arguments: [
        (RedactedInput(text: "ABCD EFGH IJKL MNOP\n"), true), (RedactedInput(text: "abcd-efgh-ijkl-mnop"), true),
        (RedactedInput(text: "abcdefghijklmnop\r\n"), true), (RedactedInput(text: "abcd efgh ijkl mno"), false),
        (RedactedInput(text: "abcd efgh ijkl mnop q"), false), (RedactedInput(text: "abcd efgh ijkl mn0p"), false),
        (RedactedInput(text: ""), false),
    ])
    func gmailForm(redacted: RedactedInput, valid: Bool) throws {
        let input = redacted.text
        let fixture = try VaultFixture()
        let spec = try AccountSpec(name: "g2", email: "g2@gmail.com", provider: "gmail")
        if valid {
            try fixture.vault.addAccount(spec, secret: secret(input))
            let lease = try fixture.vault.lease(account: "g2", for: .smtp, holder: "t")
            let stored = try fixture.vault.redeem(lease, for: .smtp) { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
            #expect(stored == "abcdefghijklmnop")
        } else {
            #expect(throws: VaultError.self) { try fixture.vault.addAccount(spec, secret: secret(input)) }
            #expect(throws: VaultError.noSuchAccount("g2")) { _ = try fixture.vault.account(named: "g2") }
        }
    }

    @Test("errors about a bad password never quote it")
    func errorsDoNotQuoteSecrets() throws {
        let fixture = try VaultFixture()
        let spec = try AccountSpec(name: "g3", email: "g3@gmail.com", provider: "gmail")
        do {
            try fixture.vault.addAccount(spec, secret: secret("zzzz yyyy xxxx"))
            Issue.record("a 12-letter password was accepted")
        } catch let error as VaultError {
            #expect(!error.description.contains("zzzz"))
            #expect(error.description.contains("12 letters"))
        }
    }

    @Test("empty, oversized and control-character passwords are refused for custom servers", arguments: [
        "", "\n", String(repeating: "x", count: 1_000_000), "pass\u{0}word", "line\nbreak",
    ].map(RedactedInput.init))
    func badCustomPasswords(redacted: RedactedInput) throws {
        let input = redacted.text
        let fixture = try VaultFixture()
        let spec = try AccountSpec(name: "custom1", email: "me@example.org", provider: "custom",
                                   imap: ServerEndpoint(parsing: "mail.example.org:993"),
                                   smtp: ServerEndpoint(parsing: "mail.example.org:587"))
        #expect(throws: VaultError.self) { try fixture.vault.addAccount(spec, secret: secret(input)) }
        #expect(try fixture.vault.accounts().map(\.name) == ["work"])
    }

    @Test("names with spaces, control characters or 10 000 characters are refused", arguments: [
        "has space", "tab\tname", "bell\u{7}", String(repeating: "n", count: 10_000), "", "-lead", "ünï",
    ])
    func badNames(name: String) {
        #expect(throws: VaultError.self) { _ = try AccountSpec(name: name, email: "a@b.co", provider: "gmail") }
    }

    @Test("custom servers need both endpoints; unknown providers are refused")
    func providerChecks() throws {
        #expect(throws: VaultError.self) { _ = try AccountSpec(name: "c", email: "a@b.co", provider: "custom") }
        #expect(throws: VaultError.self) { _ = try AccountSpec(name: "c", email: "a@b.co", provider: "hotmail2") }
        let spec = try AccountSpec(name: "c", email: "a@b.co", provider: "custom",
                                   imap: ServerEndpoint(parsing: "localhost:10143:starttls"),
                                   smtp: ServerEndpoint(parsing: "localhost:10465:tls"))
        #expect(spec.imap.security == .starttls)
        #expect(spec.smtp.security == .tls)
        #expect(try ServerEndpoint(parsing: "mail.example.org:465").security == .tls, "465 and 993 imply TLS")
        #expect(try ServerEndpoint(parsing: "mail.example.org:587").security == .starttls)
        #expect(throws: VaultError.self) { _ = try ServerEndpoint(parsing: "host:99999") }
        #expect(throws: VaultError.self) { _ = try ServerEndpoint(parsing: "host:993:plain") }
        #expect(throws: VaultError.self) { _ = try ServerEndpoint(parsing: "bad host:993") }
    }

    @Test("adding an existing name fails and changes nothing", arguments: StoreKind.allCases)
    func duplicateName(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let spec = try AccountSpec(name: "work", email: "other@gmail.com", provider: "gmail")
        #expect(throws: VaultError.accountExists("work")) {
            try fixture.vault.addAccount(spec, secret: secret("qqqq rrrr ssss tttt"))
        }
        #expect(try fixture.readSecret() == "abcdefghijklmnop")
        #expect(try fixture.vault.account(named: "work").email == "work@gmail.com")
    }

    @Test("a generated password is shown once and is what leases hand out", arguments: StoreKind.allCases)
    func generatedViewOnce(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let spec = try AccountSpec(name: "gen", email: "gen@example.org", provider: "custom",
                                   imap: ServerEndpoint(parsing: "localhost:10993"), smtp: ServerEndpoint(parsing: "localhost:10465"))
        let generated = try fixture.vault.addAccount(spec)
        #expect(generated.record.name == "gen")
        let shown = generated.reveal { String(decoding: $0, as: UTF8.self) }
        #expect(shown.count == 24)
        let lease = try fixture.vault.lease(account: "gen", for: .imap, holder: "t")
        let leased = try fixture.vault.redeem(lease, for: .imap) { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
        #expect(leased == shown)
        let gmail = try fixture.vault.rotate(account: "work")
        let rotated = gmail.reveal { String(decoding: $0, as: UTF8.self) }
        #expect(rotated.count == 16 && rotated.allSatisfy { $0.isLowercase })
    }

    @Test("rotate replaces the secret, bumps the generation and the fingerprint", arguments: StoreKind.allCases)
    func rotate(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let before = try fixture.vault.account(named: "work")
        let after = try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        #expect(after.generation == before.generation + 1)
        #expect(after.fingerprint != before.fingerprint)
        #expect(after.rotatedAt != nil)
        #expect(try fixture.readSecret() == "qqqqrrrrsssstttt")
    }

    @Test("revoke destroys the ciphertext and keeps a tombstone", arguments: StoreKind.allCases)
    func revoke(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let summary = try fixture.vault.revoke(account: "work")
        let record = summary.record
        #expect(record.status == .revoked)
        #expect(record.fingerprint == nil)
        #expect(try fixture.sealedSecret().isEmpty)
        #expect(throws: VaultError.accountRevoked("work")) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        #expect(throws: VaultError.accountRevoked("work")) { try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt")) }
        try fixture.vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                                     secret: secret("wwww xxxx yyyy zzzz"))
        #expect(try fixture.vault.account(named: "work").generation == record.generation + 1)
        #expect(try fixture.readSecret() == "wwwwxxxxyyyyzzzz")
    }

    @Test("unknown accounts give noSuchAccount", arguments: StoreKind.allCases)
    func unknownAccount(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        #expect(throws: VaultError.noSuchAccount("nope")) { try fixture.vault.rotate(account: "nope", secret: secret("aaaa bbbb cccc dddd")) }
        #expect(throws: VaultError.noSuchAccount("nope")) { try fixture.vault.revoke(account: "nope") }
        #expect(throws: VaultError.noSuchAccount("nope")) { _ = try fixture.vault.lease(account: "nope", for: .imap, holder: "t") }
    }

    @Test("the traffic meter refuses work past the provider's daily limit", arguments: StoreKind.allCases)
    func trafficLimit(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.recordTraffic(account: "work", bytesIn: 2_400_000_000, bytesOut: 10)
        try fixture.vault.ensureAllowance(account: "work", direction: .download, bytes: 100_000_000)
        #expect(throws: VaultError.trafficLimit(account: "work", direction: "download", usedBytes: 2_400_000_000, limitBytes: 2_500_000_000)) {
            try fixture.vault.ensureAllowance(account: "work", direction: .download, bytes: 100_000_001)
        }
        fixture.clock.advance(seconds: 86_400)
        #expect(try fixture.vault.trafficToday(account: "work").bytesIn == 0, "a new UTC day starts a new meter")
    }

    @Test("today's traffic of every account in one read matches the per-account meter and skips revoked accounts", arguments: StoreKind.allCases)
    func trafficOfAllAccounts(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(AccountSpec(name: "idle", email: "idle@gmail.com", provider: "gmail"),
                                     secret: secret("qrst uvwx yzab cdef"))
        try fixture.vault.addAccount(AccountSpec(name: "gone", email: "gone@gmail.com", provider: "gmail"),
                                     secret: secret("ghij klmn opqr stuv"))
        try fixture.vault.revoke(account: "gone")
        try fixture.vault.recordTraffic(account: "work", bytesIn: 1_234, bytesOut: 56)
        let all = try fixture.vault.trafficToday()
        #expect(Set(all.keys) == ["work", "idle"])
        #expect(all["work"] == (try fixture.vault.trafficToday(account: "work")))
        #expect(all["idle"] == (try fixture.vault.trafficToday(account: "idle")))
        #expect(all["work"]?.bytesIn == 1_234 && all["idle"]?.bytesIn == 0)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes (memchr and memcmp: the stolen-store tests search
    /// megabytes of data files).
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { wanted in
                let start = haystack.baseAddress!, end = start + (haystack.count - wanted.count + 1)
                var position = start
                while position < end, let found = memchr(position, Int32(wanted[0]), end - position) {
                    if memcmp(found, wanted.baseAddress!, wanted.count) == 0 { return true }
                    position = UnsafeRawPointer(found) + 1
                }
                return false
            }
        }
    }
}
