import Foundation
import Glibc
import Testing
@testable import AppVault
import VaultCrypto

/// A vault written by appvault 0.1 (format 1): accounts `work` (rotated), `home` (custom
/// servers) and `gone` (revoked), a granted lease, seven audit records; passphrase below.
private let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/format1-vault.db").path
private let formatOnePassphrase = "format one passphrase"

@Suite("Upgrading a format-1 vault")
struct UpgradeTests {
    private func copy() throws -> (TemporaryFolder, String) {
        let folder = TemporaryFolder()
        let path = folder.file("vault.db")
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        chmod(path, 0o600)
        return (folder, path)
    }

    @Test("every account, password, status, generation and fingerprint carries over; the old file is kept")
    func upgradeKeepsEverything() throws {
        let (folder, path) = try copy()
        #expect(throws: VaultError.unsupportedFormat(found: 1, supported: 2)) { _ = try Vault.open(at: path) }
        let summary = try Vault.upgrade(formatOneAt: path, credential: passphrase(formatOnePassphrase))
        #expect(summary == UpgradeSummary(backup: path + ".format1", accounts: 3, formerAuditRecords: 7))
        #expect(FileManager.default.fileExists(atPath: folder.file("vault.db.format1")))
        let vault = try Vault.open(at: path)
        try vault.unlock(with: passphrase(formatOnePassphrase))
        let accounts = try vault.accounts()
        #expect(accounts.map(\.name) == ["gone", "home", "work"])
        #expect(accounts.map(\.status) == [.revoked, .active, .active] && accounts.map(\.generation) == [2, 1, 2])
        #expect(accounts.map(\.fingerprint) == [nil, "284b-1a1e-0612", "ebca-a2a9-e09c"], "same vault key, same fingerprints")
        for (name, password) in [("work", "qqqqrrrrsssstttt"), ("home", "Custom-Pass-123")] {
            let lease = try vault.lease(account: name, for: .imap, holder: "test")
            #expect(try vault.redeem(lease, for: .imap) { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } } == password)
        }
        #expect(throws: VaultError.accountRevoked("gone")) { _ = try vault.lease(account: "gone", for: .imap, holder: "test") }
        let first = try #require(try vault.auditRecords().first)
        #expect(first.event == "vault.upgrade" && first.detail.contains("7 audit records verified"))
        #expect(try vault.verifyAudit().isIntact)
    }

    @Test("a wrong passphrase, a tampered format-1 file, or a second upgrade leaves the file as it was")
    func refusals() throws {
        let (folder, path) = try copy()
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: VaultError.wrongCredential) { _ = try Vault.upgrade(formatOneAt: path, credential: passphrase("not the passphrase")) }
        let edit = Process()
        edit.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        edit.arguments = [path, "UPDATE accounts SET imap_host = 'evil.example' WHERE name = 'home'"]
        try edit.run()
        edit.waitUntilExit()
        #expect(throws: VaultError.self) { _ = try Vault.upgrade(formatOneAt: path, credential: passphrase(formatOnePassphrase)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != original, "the edit is there")
        #expect(!FileManager.default.fileExists(atPath: path + ".format1"), "nothing was converted")

        let (cleanFolder, clean) = try copy()
        _ = try Vault.upgrade(formatOneAt: clean, credential: passphrase(formatOnePassphrase))
        #expect(throws: VaultError.self) { _ = try Vault.upgrade(formatOneAt: clean, credential: passphrase(formatOnePassphrase)) }
        withExtendedLifetime((folder, cleanFolder)) {}
    }
}
