import TestSupport
import Foundation
import Glibc
import Testing
@testable import AppVault
import VaultCrypto

@Suite("Vault lifecycle: create, unlock, lock, passphrase change")
struct VaultLifecycleTests {
    @Test("a new vault file is mode 0600 in a 0700 folder")
    func filePermissions() throws {
        let folder = TemporaryFolder()
        let path = folder.file("nested/vault.db")
        _ = try Vault.create(at: path, credential: passphrase("pw"), kdf: fastKDF)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(folder.file("nested"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test("every commit is synced: the writer runs with synchronous = FULL, created or reopened")
    func durableCommits() throws {
        let fixture = try VaultFixture()
        #expect(try fixture.vault.database.writerSynchronousMode() == 2)
        #expect(try fixture.reopen().database.writerSynchronousMode() == 2)
    }

    @Test("the right passphrase unlocks; a wrong one fails with wrongCredential")
    func wrongPassphrase() throws {
        let fixture = try VaultFixture()
        let vault = try fixture.reopen()
        #expect(!vault.isUnlocked)
        #expect(throws: VaultError.wrongCredential) { try vault.unlock(with: passphrase("wrong horse")) }
        #expect(!vault.isUnlocked)
        try vault.unlock(with: passphrase("correct horse"))
        #expect(vault.isUnlocked)
        #expect(try fixture.readSecret(vault) == "abcdefghijklmnop")
    }

    @Test("lock zeroes the keys: leases and changes then fail with locked")
    func lockedVault() throws {
        let fixture = try VaultFixture()
        fixture.vault.lock()
        #expect(throws: VaultError.locked) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        #expect(throws: VaultError.locked) { try fixture.vault.revoke(account: "work") }
        #expect(try fixture.vault.accounts().count == 1, "metadata stays readable while locked")
    }

    @Test("init never overwrites an existing vault")
    func noOverwrite() throws {
        let fixture = try VaultFixture()
        #expect(throws: VaultError.vaultExists(fixture.path)) {
            _ = try Vault.create(at: fixture.path, credential: passphrase("other"), kdf: fastKDF)
        }
        #expect(try fixture.readSecret() == "abcdefghijklmnop")
    }

    @Test("passwd re-wraps the vault key: the old passphrase stops working, entries stay")
    func changePassphrase() throws {
        let fixture = try VaultFixture()
        let sealedBefore = try fixture.sealedSecret()
        try fixture.vault.changeCredential(from: passphrase("correct horse"), to: passphrase("new horse"), kdf: fastKDF)
        #expect(try fixture.sealedSecret() == sealedBefore, "entries are not re-encrypted")
        let vault = try fixture.reopen()
        #expect(throws: VaultError.wrongCredential) { try vault.unlock(with: passphrase("correct horse")) }
        try vault.unlock(with: passphrase("new horse"))
        #expect(try fixture.readSecret(vault) == "abcdefghijklmnop")
        #expect(try vault.verifyAudit().isIntact)
    }

    @Test("a key file unlocks its vault; a different key file does not")
    func keyFile() throws {
        let folder = TemporaryFolder()
        let path = folder.file("vault.db")
        _ = try Vault.create(at: path, credential: .createKeyFile(at: folder.file("key")))
        var info = stat()
        #expect(stat(folder.file("key"), &info) == 0 && info.st_mode & 0o777 == 0o600)
        let vault = try Vault.open(at: path)
        #expect(throws: VaultError.self) { try vault.unlock(with: passphrase("a passphrase")) }
        _ = try MasterCredential.createKeyFile(at: folder.file("other"))
        #expect(throws: VaultError.wrongCredential) { try vault.unlock(with: .readKeyFile(at: folder.file("other"))) }
        try vault.unlock(with: .readKeyFile(at: folder.file("key")))
        #expect(vault.isUnlocked)
    }

    @Test("a key file readable by others is refused")
    func keyFilePermissions() throws {
        let folder = TemporaryFolder()
        _ = try MasterCredential.createKeyFile(at: folder.file("key"))
        chmod(folder.file("key"), 0o644)
        #expect(throws: VaultError.insecurePermissions(path: folder.file("key"), mode: 0o644)) {
            _ = try MasterCredential.readKeyFile(at: folder.file("key"))
        }
    }
}

extension VaultFixture {
    func sealedSecret(_ name: String = "work") throws -> [UInt8] {
        let queue = try GRDBQueue(path: path)
        return try queue.sealed(name)
    }
}
