import Foundation
import Glibc
import Testing
@testable import AppVault
import VaultCrypto

@Suite("Integrity: tampering, corruption, format, permissions, audit chain")
struct IntegrityTests {
    @Test("one flipped bit anywhere in an account's ciphertext is detected", arguments: [0, 23, 24, 40, 60, 87])
    func tamperedCiphertext(position: Int) throws {
        let fixture = try VaultFixture()
        var sealed = try fixture.sealedSecret()
        sealed[position] ^= 0x01
        let hex = sealed.map { String(format: "%02x", $0) }.joined()
        try fixture.tamper("UPDATE accounts SET sealed_secret = x'\(hex)' WHERE name = 'work'")
        #expect(throws: VaultError.self) { _ = try fixture.readSecret() }
        do { _ = try fixture.readSecret() } catch let error as VaultError {
            guard case .tampered = error else { Issue.record("expected tampered, got \(error)"); return }
        }
    }

    @Test("moving one account's ciphertext onto another row is detected")
    func swappedRows() throws {
        let fixture = try VaultFixture()
        try fixture.vault.addAccount(AccountSpec(name: "home", email: "home@gmail.com", provider: "gmail"),
                                     secret: secret("hhhh iiii jjjj kkkk"))
        try fixture.tamper("UPDATE accounts SET sealed_secret = (SELECT sealed_secret FROM accounts WHERE name = 'home') WHERE name = 'work'")
        #expect(throws: VaultError.tampered("the secret of account 'work' failed authentication (altered, or moved from another row)")) {
            _ = try fixture.readSecret()
        }
    }

    @Test("redirecting an account to another server outside appvault is detected")
    func editedEndpoint() throws {
        let fixture = try VaultFixture()
        try fixture.tamper("UPDATE accounts SET imap_host = 'attacker.example' WHERE name = 'work'")
        #expect(throws: VaultError.tampered("account 'work': its settings or generation were changed outside appvault")) {
            _ = try fixture.readSecret()
        }
    }

    @Test("rolling the generation back to reuse an old lease is detected")
    func generationRollback() throws {
        let fixture = try VaultFixture()
        let old = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        try fixture.tamper("UPDATE accounts SET generation = 1 WHERE name = 'work'")
        #expect(throws: VaultError.self) { _ = try fixture.vault.redeem(old, for: .imap) { $0.count } }
    }

    @Test("a flipped bit in the header is reported as tampering, not as a wrong passphrase")
    func tamperedHeader() throws {
        let fixture = try VaultFixture()
        try fixture.tamper("UPDATE vault_header SET kdf_salt = x'00112233445566778899aabbccddeeff'")
        #expect(throws: VaultError.tampered("the vault header does not match its checksum")) { _ = try fixture.reopen() }
    }

    @Test("a header edited together with its checksum fails the keyed MAC")
    func forgedHeaderChecksum() throws {
        let fixture = try VaultFixture()
        let queue = try GRDBQueue(path: fixture.path).queue
        try queue.write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM vault_header"))
            var header = try VaultHeader.load(db).header
            header.createdAt = header.createdAt.addingTimeInterval(1)
            _ = row
            try db.execute(sql: "UPDATE vault_header SET created_at = ?, header_checksum = ?",
                           arguments: [header.createdAt.timeIntervalSince1970, Data(header.checksum)])
        }
        let vault = try fixture.reopen()
        #expect(throws: VaultError.tampered("the vault header's MAC does not match")) { try vault.unlock(with: passphrase("correct horse")) }
    }

    @Test("mistyped cells in a doctored file are tampering, never a crash", arguments: [
        "UPDATE accounts SET generation = 'two'", "UPDATE accounts SET imap_port = x'00'",
        "UPDATE accounts SET created_at = 'yesterday'", "UPDATE accounts SET status = 'zombie'",
        "UPDATE vault_header SET kdf_salt = 42", "UPDATE vault_header SET format_version = 'one'",
        "UPDATE audit_log SET at = 'noon'", "UPDATE audit_log SET mac = 'text'", "UPDATE leases SET uses_left = 'many'",
    ])
    func mistypedCells(sql: String) throws {
        let fixture = try VaultFixture()
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.tamper("PRAGMA ignore_check_constraints = ON; " + sql)
        func attempt() throws {
            let vault = try fixture.reopen()
            _ = try vault.accounts()
            _ = try vault.auditRecords()
            _ = try vault.liveLeases()
            try vault.unlock(with: passphrase("correct horse"))
            let verification = try vault.verifyAudit()
            guard verification.isIntact else { throw VaultError.tampered("audit") }
            _ = try fixture.readSecret(vault)
        }
        #expect(throws: VaultError.self) { try attempt() }
    }

    @Test("an unknown format version is refused with a clear message")
    func unknownFormat() throws {
        let fixture = try VaultFixture()
        try fixture.tamper("UPDATE vault_header SET format_version = 99")
        #expect(throws: VaultError.unsupportedFormat(found: 99, supported: 1)) { _ = try fixture.reopen() }
    }

    @Test("random bytes, a truncated file and a foreign SQLite file are refused", arguments: ["random", "truncated", "foreign"])
    func notAVault(kind: String) throws {
        let fixture = try VaultFixture()
        let path = fixture.folder.file("broken.db")
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
        #expect(throws: VaultError.self) { _ = try Vault.open(at: path) }
        do { _ = try Vault.open(at: path) } catch {
            switch error {
            case .tampered: break
            default: Issue.record("expected tampered, got \(error)")
            }
        }
    }

    @Test("a vault readable by others, a symlink or a folder is refused")
    func unsafeFiles() throws {
        let fixture = try VaultFixture()
        chmod(fixture.path, 0o644)
        #expect(throws: VaultError.insecurePermissions(path: fixture.path, mode: 0o644)) { _ = try fixture.reopen() }
        chmod(fixture.path, 0o600)
        let link = fixture.folder.file("link.db")
        symlink(fixture.path, link)
        #expect(throws: VaultError.self) { _ = try Vault.open(at: link) }
        #expect(throws: VaultError.self) { _ = try Vault.open(at: fixture.folder.path) }
        #expect(throws: VaultError.vaultNotFound(fixture.folder.file("none.db"))) { _ = try Vault.open(at: fixture.folder.file("none.db")) }
    }

    @Test("audit verify names an edited, a removed and a reordered record")
    func auditTampering() throws {
        let fixture = try VaultFixture()
        for _ in 0..<3 { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        #expect(try fixture.vault.verifyAudit() == AuditVerification(recordCount: 5, problems: []))

        try fixture.tamper("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3")
        let edited = try fixture.vault.verifyAudit()
        #expect(edited.problems.count == 1 && edited.problems[0].hasPrefix("record 3 "))

        let removed = try VaultFixture()
        _ = try removed.vault.lease(account: "work", for: .imap, holder: "t")
        _ = try removed.vault.lease(account: "work", for: .imap, holder: "t")
        try removed.tamper("DELETE FROM audit_log WHERE seq = 3")
        #expect(try removed.vault.verifyAudit().problems.contains { $0.contains("records 3...3 are missing") })
        try removed.tamper("DELETE FROM audit_log WHERE seq = 4")
        #expect(try removed.vault.verifyAudit().problems.contains { $0.contains("at the end are missing") })

        let reordered = try VaultFixture()
        _ = try reordered.vault.lease(account: "work", for: .imap, holder: "t")
        try reordered.tamper("""
            UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3;
            UPDATE audit_log SET seq = 3 WHERE seq = -1;
            """)
        let problems = try reordered.vault.verifyAudit().problems
        #expect(problems.contains { $0.hasPrefix("record 2 ") } && problems.contains { $0.hasPrefix("record 3 ") })
    }

    @Test("the vault file never contains a secret, the passphrase or the vault key in clear")
    func noPlaintextOnDisk() throws {
        let fixture = try VaultFixture()
        try fixture.vault.rotate(account: "work", secret: secret("qqqq rrrr ssss tttt"))
        fixture.vault.lock()
        let files = ["", "-wal"].compactMap { try? Data(contentsOf: URL(fileURLWithPath: fixture.path + $0)) }
        for data in files {
            let bytes = Array(data)
            #expect(!bytes.contains(subsequence: Array("qqqqrrrrsssstttt".utf8)))
            #expect(!bytes.contains(subsequence: Array("abcdefghijklmnop".utf8)))
            #expect(!bytes.contains(subsequence: Array("correct horse".utf8)))
        }
    }
}

import GRDB
