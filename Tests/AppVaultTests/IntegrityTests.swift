import Foundation
import Glibc
import GRDB
import Testing
@testable import AppVault
import VaultCrypto

/// Whether `body` throws a ``VaultError`` that `matches`.
func throwsVaultError(_ body: () throws -> Void, where matches: (VaultError) -> Bool) -> Bool {
    do { try body() } catch let error as VaultError { return matches(error) } catch { return false }
    return false
}

/// Whether `body` throws ``VaultError/tampered(_:)`` (any text).
func isTampered(_ body: () throws -> Void) -> Bool {
    throwsVaultError(body) { if case .tampered = $0 { true } else { false } }
}

@Suite("Integrity: every row authenticated, the current state committed to (issue 11, attacks 1 and 3)")
struct IntegrityTests {
    @Test("one flipped bit anywhere in an account's sealed row is detected", arguments: StoreKind.allCases, [0, 23, 24, 40, 60, 87])
    func flippedAccountBit(store: StoreKind, position: Int) throws {
        let fixture = try VaultFixture(store)
        let key = try fixture.accountKeyHex()
        var body = try fixture.store.body(kind: 1, keyHex: key)
        body[position] ^= 0x01
        try fixture.sql("UPDATE records SET body = \(fixture.store.blob(body)) WHERE kind = 1 AND hex(key) = upper('\(key)')")
        #expect(isTampered { _ = try fixture.vault.account(named: "work") })
        #expect(isTampered { _ = try fixture.readSecret() })
    }

    @Test("attack 1: an account row replaced outside appvault is refused by rotate, verify and use; nothing is sealed to it", arguments: StoreKind.allCases)
    func editedAccountThenRotate(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        // The attacker's own vault gives a validly sealed row naming his servers; he plants it.
        let attacker = try VaultFixture(store)
        try attacker.vault.addAccount(
            AccountSpec(name: "evil", email: "work@gmail.com", provider: "custom",
                        imap: ServerEndpoint(parsing: "evil.example:993"), smtp: ServerEndpoint(parsing: "evil.example:465")),
            secret: secret("zzzz yyyy xxxx wwww"))
        let key = try fixture.accountKeyHex()
        let evil = try attacker.accountKeyHex("evil")
        let secretBefore = try fixture.store.body(kind: 2, keyHex: key)
        let planted = try attacker.store.body(kind: 1, keyHex: evil)
        try fixture.sql("UPDATE records SET body = \(fixture.store.blob(planted)) WHERE kind = 1 AND hex(key) = upper('\(key)')")
        #expect(isTampered { try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt")) })
        #expect(isTampered { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") })
        #expect(isTampered { try fixture.vault.recordCheck(account: "work", passwordWorks: false, detail: "x") })
        #expect(try fixture.store.body(kind: 2, keyHex: key) == secretBefore, "nothing was re-sealed")
        #expect(try !fixture.vault.verifyAudit().isIntact)
    }

    @Test("attack 3: account and password rows restored from a backup do not revive a rotated-away password", arguments: StoreKind.allCases)
    func restoredRotatedAccount(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let backup = try fixture.backup()
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        try fixture.store.sql("""
            DELETE FROM records WHERE kind IN (1, 2);
            INSERT INTO records SELECT * FROM old.records WHERE kind IN (1, 2);
            """, with: backup)
        #expect(isTampered { _ = try fixture.readSecret() })
        #expect(isTampered { _ = try fixture.vault.account(named: "work") })
        let verification = try fixture.vault.verifyAudit()
        #expect(!verification.isIntact)
        #expect(verification.problems.contains { $0.contains("account row(s) were edited or restored") })
    }

    @Test("attack 3: a revoked account restored from a backup stays revoked", arguments: StoreKind.allCases)
    func restoredRevokedAccount(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let backup = try fixture.backup()
        try fixture.vault.revoke(account: "work")
        try fixture.store.sql("""
            DELETE FROM records WHERE kind IN (1, 2);
            INSERT INTO records SELECT * FROM old.records WHERE kind IN (1, 2);
            """, with: backup)
        #expect(isTampered { _ = try fixture.readSecret() })
        #expect(try !fixture.vault.verifyAudit().isIntact)
    }

    @Test("attack 3: a spent one-use lease restored from a backup cannot be spent again", arguments: StoreKind.allCases)
    func restoredLease(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let lease = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        let backup = try fixture.backup()
        _ = try fixture.vault.redeem(lease, for: .imap) { $0.count }
        for _ in 0..<2 {
            try fixture.store.sql("""
                DELETE FROM records WHERE kind = 3;
                INSERT INTO records SELECT * FROM old.records WHERE kind = 3;
                """, with: backup)
            #expect(isTampered { _ = try fixture.vault.redeem(lease, for: .imap) { $0.count } })
        }
    }

    @Test("attack 3: the audit log cannot be cut short by restoring an older state row", arguments: StoreKind.allCases)
    func cutAuditTail(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let backup = try fixture.backup()
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        try fixture.store.sql("""
            DELETE FROM vault_state; INSERT INTO vault_state SELECT * FROM old.vault_state;
            DELETE FROM audit_log WHERE seq > (SELECT audit_seq FROM vault_state);
            """, with: backup)
        #expect(isTampered { _ = try fixture.readSecret() }, "the records no longer match the restored state")
        #expect(try !fixture.vault.verifyAudit().isIntact)
    }

    @Test("a state row from another vault or edited is refused", arguments: StoreKind.allCases)
    func forgedState(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let other = try VaultFixture(store)
        try fixture.store.replaceRows(of: "vault_state", from: other.store)
        #expect(isTampered { _ = try fixture.vault.account(named: "work") })
        let fresh = try VaultFixture(store)
        try fresh.sql("UPDATE vault_state SET counter = counter + 5")
        #expect(isTampered { _ = try fresh.vault.accounts() })
    }

    @Test("rows removed, added or moved are found; lookups that would hide one refuse", arguments: StoreKind.allCases)
    func removedAndAddedRows(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(AccountSpec(name: "home", email: "home@gmail.com", provider: "gmail"), secret: secret("hhhh iiii jjjj kkkk"))
        let home = try fixture.accountKeyHex("home")
        try fixture.sql("DELETE FROM records WHERE kind = 1 AND hex(key) = upper('\(home)')")
        #expect(isTampered { _ = try fixture.vault.account(named: "home") }, "a deleted account is not 'no such account'")
        #expect(isTampered { _ = try fixture.vault.accounts() }, "list checks the whole tree")

        let added = try VaultFixture(store)
        try added.sql("INSERT INTO records (kind, key, ref, tag, body) VALUES (3, randomblob(8), NULL, NULL, randomblob(80))")
        #expect(try added.vault.verifyAudit().problems.contains { $0.contains("added without the vault key") })

        let swapped = try VaultFixture(store)
        try swapped.vault.addAccount(AccountSpec(name: "home", email: "home@gmail.com", provider: "gmail"), secret: secret("hhhh iiii jjjj kkkk"))
        let work = try swapped.accountKeyHex("work"), other = try swapped.accountKeyHex("home")
        try swapped.sql("""
            UPDATE records SET body = (SELECT body FROM records WHERE kind = 2 AND hex(key) = upper('\(other)'))
            WHERE kind = 2 AND hex(key) = upper('\(work)')
            """)
        #expect(isTampered { _ = try swapped.readSecret() })
    }

    @Test("an edited integrity-tree node is refused", arguments: StoreKind.allCases)
    func editedTree(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.sql("UPDATE tree SET node = randomblob(length(node)) WHERE id = (SELECT MIN(id) FROM tree WHERE length(node) > 0)")
        #expect(isTampered { _ = try fixture.vault.accounts() })
        #expect(try !fixture.vault.verifyAudit().isIntact)
    }

    @Test("a whole-file rollback is found by the anchor outside the file; a deliberate restore can be accepted", arguments: StoreKind.allCases)
    func wholeFileRollback(store: StoreKind) throws {
        let fixture = try VaultFixture(store, anchored: true)
        let backup = try fixture.backup()
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        Thread.sleep(forTimeInterval: RollbackAnchor.minimumInterval)
        try fixture.vault.revoke(account: "work")
        fixture.vault.lock()
        try fixture.store.restore(backup)
        let restored = try fixture.reopen()
        #expect(throws: VaultError.self) { try restored.unlock(with: passphrase("correct horse")) }
        do { try restored.unlock(with: passphrase("correct horse")) } catch {
            #expect(String(describing: error).contains("rolled back"))
        }
        try restored.unlock(with: passphrase("correct horse"), checkAnchor: false)
        #expect(try restored.verifyAudit().problems.contains { $0.contains("rolled back") })
        try restored.acceptCurrentState()
        #expect(try restored.verifyAudit().isIntact)
        try restored.unlock(with: passphrase("correct horse"))
    }

    @Test("a flipped bit in the header is reported as tampering, not as a wrong passphrase", arguments: StoreKind.allCases)
    func tamperedHeader(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.sql("UPDATE vault_header SET kdf_salt = \(fixture.store.blob(Array(0..<16).map { UInt8($0 * 17) }))")
        #expect(throws: VaultError.tampered("the vault header does not match its checksum")) { _ = try fixture.reopen() }
    }

    @Test("a header edited together with its checksum fails the keyed MAC", arguments: StoreKind.allCases)
    func forgedHeaderChecksum(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let stored = try fixture.vault.store.read { try $0.header() }
        var header = try VaultHeader.load(stored).header
        header.createdAt = header.createdAt.addingTimeInterval(1)
        try fixture.sql("UPDATE vault_header SET created_ms = created_ms + 1000, header_checksum = \(fixture.store.blob(header.checksum))")
        let vault = try fixture.reopen()
        #expect(throws: VaultError.tampered("the vault header's MAC does not match")) { try vault.unlock(with: passphrase("correct horse")) }
    }

    @Test("mistyped or absurd cells in a doctored file are tampering, never a crash", arguments: [
        "UPDATE records SET key = 'text'", "UPDATE records SET kind = -5 WHERE kind = 1", "UPDATE records SET kind = 1e300 WHERE kind = 3",
        "UPDATE records SET body = 42", "UPDATE records SET ref = x''", "UPDATE vault_state SET counter = 'many'",
        "UPDATE vault_state SET tree_root = 'root'", "UPDATE vault_header SET kdf_salt = 42",
        "UPDATE vault_header SET format_version = 'two'", "UPDATE audit_log SET at_ms = 'noon'",
        "UPDATE audit_log SET mac = 'text'", "UPDATE audit_log SET seq = -9223372036854775808 WHERE seq = 2",
        "UPDATE audit_log SET seq = 9223372036854775807 WHERE seq = 2",
        "UPDATE tree SET id = -1 WHERE id = (SELECT MAX(id) FROM tree)", "UPDATE tree SET node = x'ff'", "UPDATE vault_header SET created_ms = 9223372036854775807",
    ])
    func mistypedCells(sql: String) throws {
        let fixture = try VaultFixture()
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.tamper("PRAGMA ignore_check_constraints = ON; " + sql)
        #expect(throws: VaultError.self) { try fixture.useEverything() }
    }

    @Test("a vault of an older or unknown format is refused with a clear message", arguments: StoreKind.allCases)
    func unknownFormat(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.store.setFormatVersion(99)
        #expect(throws: VaultError.unsupportedFormat(found: 99, supported: 2)) { _ = try fixture.reopen() }
        try fixture.store.setFormatVersion(1)
        #expect(throws: VaultError.unsupportedFormat(found: 1, supported: 2)) { _ = try fixture.reopen() }
    }

    @Test("random bytes, a truncated file and a foreign SQLite file are refused", arguments: ["random", "truncated", "foreign"])
    func notAVault(kind: String) throws {
        let fixture = try VaultFixture()
        let path = fixture.folder.file("vault/broken.db")
        switch kind {
        case "random":
            _ = FileManager.default.createFile(atPath: path, contents: Data(SecureRandom.bytes(8192)))
        case "truncated":
            let data = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
            _ = FileManager.default.createFile(atPath: path, contents: data.prefix(100))
        default:
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "CREATE TABLE t (x)") }
        }
        chmod(path, 0o600)
        do { _ = try Vault.open(at: path); Issue.record("opened a \(kind) file") } catch {
            guard case .tampered = error else { Issue.record("expected tampered, got \(error)"); return }
        }
    }

    @Test("a vault open to others, a symlink, a folder, a folder others can write, or a foreign -wal file is refused")
    func unsafeFiles() throws {
        let fixture = try VaultFixture()
        chmod(fixture.path, 0o644)
        #expect(throws: VaultError.insecurePermissions(path: fixture.path, mode: 0o644)) { _ = try fixture.reopen() }
        chmod(fixture.path, 0o600)
        let link = fixture.folder.file("vault/link.db")
        symlink(fixture.path, link)
        #expect(throws: VaultError.self) { _ = try Vault.open(at: link) }
        #expect(throws: VaultError.self) { _ = try Vault.open(at: fixture.folder.file("vault")) }
        #expect(throws: VaultError.vaultNotFound(fixture.folder.file("none.db"))) { _ = try Vault.open(at: fixture.folder.file("none.db")) }
        let folder = fixture.folder.file("vault")
        chmod(folder, 0o777)
        #expect(throws: VaultError.insecurePermissions(path: folder, mode: 0o777)) { _ = try fixture.reopen() }
        chmod(folder, 0o1777)
        #expect(throws: VaultError.insecurePermissions(path: folder, mode: 0o1777), "a sticky bit does not stop a planted -wal") {
            _ = try fixture.reopen()
        }
        chmod(folder, 0o700)
        fixture.vault.store.checkpoint()
        let wal = fixture.path + "-wal"
        if !FileManager.default.fileExists(atPath: wal) { _ = FileManager.default.createFile(atPath: wal, contents: Data()) }
        chmod(wal, 0o644)
        #expect(throws: VaultError.insecurePermissions(path: wal, mode: 0o644)) { _ = try fixture.reopen() }
    }

    @Test("audit verify names an edited, a removed, a reordered record and a cut-off end", arguments: StoreKind.allCases)
    func auditTampering(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        for _ in 0..<3 { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        let intact = try fixture.vault.verifyAudit()
        #expect(intact.isIntact && intact.recordCount == 5)

        try fixture.sql("UPDATE audit_log SET body = (SELECT body FROM audit_log WHERE seq = 4) WHERE seq = 3")
        let edited = try fixture.vault.verifyAudit()
        #expect(edited.problems.contains { $0.hasPrefix("record 3 ") })

        let removed = try VaultFixture(store)
        _ = try removed.vault.lease(account: "work", for: .imap, holder: "t")
        _ = try removed.vault.lease(account: "work", for: .imap, holder: "t")
        try removed.sql("DELETE FROM audit_log WHERE seq = 3")
        #expect(try removed.vault.verifyAudit().problems.contains { $0.contains("records 3...3 are missing") })
        try removed.sql("DELETE FROM audit_log WHERE seq = 4")
        #expect(try removed.vault.verifyAudit().problems.contains { $0.contains("at the end are missing") })

        let reordered = try VaultFixture(store)
        _ = try reordered.vault.lease(account: "work", for: .imap, holder: "t")
        try reordered.sql("""
            UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3;
            UPDATE audit_log SET seq = 3 WHERE seq = -1;
            """)
        let problems = try reordered.vault.verifyAudit().problems
        #expect(problems.contains { $0.hasPrefix("record 2 ") } && problems.contains { $0.hasPrefix("record 3 ") })
    }
}

@Suite("A stolen vault file or database reveals no secret, name, address, server or holder (issue 11, attack 4)")
struct StolenFileTests {
    @Test("no cell and no byte of the file holds a secret, a name, an address, a server, a holder or a client", arguments: StoreKind.allCases)
    func nothingInClear(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(
            AccountSpec(name: "statements", email: "finance.team@bank-mail.example", provider: "custom",
                        imap: ServerEndpoint(parsing: "imap.private-host.example:993"),
                        smtp: ServerEndpoint(parsing: "smtp.private-host.example:465")),
            secret: secret("Sup3r-Secret-App-Password"))
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        _ = try fixture.vault.lease(account: "statements", for: .imap, holder: "uid 1000 pid 4242 /usr/bin/holder-program")
        _ = try fixture.vault.addToken(account: "statements", client: "finance-client-app", protocols: [.imap])
        try fixture.vault.recordTraffic(account: "statements", bytesIn: 123_456_789, bytesOut: 1)
        let sealed = try fixture.store.body(kind: 1, keyHex: try fixture.accountKeyHex("statements"))
        fixture.vault.store.checkpoint()
        fixture.vault.lock()
        let stolen = [try fixture.store.allCells()] + (try fixture.store.stolenBytes())
        #expect(try fixture.store.stolenBytes().contains { $0.contains(subsequence: sealed) }, "the search sees the stored rows")
        for needle in ["qqqqrrrrsssstttt", "abcdefghijklmnop", "Sup3r-Secret", "correct horse", "statements", "work@gmail",
                       "finance.team", "bank-mail", "private-host", "imap.gmail.com", "holder-program", "finance-client",
                       "123456789", "avt-"] {
            #expect(!stolen.contains { $0.contains(subsequence: Array(needle.utf8)) }, "\(needle) is in the stolen store")
        }
    }

    @Test("a reused password does not show: fingerprints are keyed and sealed", arguments: StoreKind.allCases)
    func reusedPassword(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        try fixture.vault.addAccount(AccountSpec(name: "twin", email: "twin@gmail.com", provider: "gmail"), secret: secret("abcd efgh ijkl mnop"))
        let records = try fixture.vault.store.read { try $0.records(.account) }
        #expect(records.count == 2 && records[0].body != records[1].body)
        #expect(try fixture.vault.account(named: "twin").fingerprint == (try fixture.vault.account(named: "work").fingerprint),
                "the owner still sees the reuse after unlocking")
    }

    @Test("listing needs the keys: a locked vault shows nothing", arguments: StoreKind.allCases)
    func lockedList(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        fixture.vault.lock()
        #expect(throws: VaultError.locked) { _ = try fixture.vault.accounts() }
        #expect(throws: VaultError.locked) { _ = try fixture.vault.auditRecords() }
    }
}
