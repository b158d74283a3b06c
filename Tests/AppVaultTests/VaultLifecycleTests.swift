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
        _ = try Vault.create(at: path, credential: passphrase("twelve chars!"), kdf: fastKDF)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(folder.file("nested"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test("every commit is synced: the writer runs with synchronous = FULL, created or reopened")
    func durableCommits() throws {
        let fixture = try VaultFixture()
        #expect(try (fixture.vault.store as? SQLiteStore)?.writerSynchronousMode() == 2)
        #expect(try (fixture.reopen().store as? SQLiteStore)?.writerSynchronousMode() == 2)
    }

    @Test("the right passphrase unlocks; a wrong one fails with wrongCredential", arguments: StoreKind.allCases)
    func wrongPassphrase(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let vault = try fixture.reopen()
        #expect(!vault.isUnlocked)
        #expect(throws: VaultError.wrongCredential) { try vault.unlock(with: passphrase("wrong horse")) }
        #expect(!vault.isUnlocked)
        try vault.unlock(with: passphrase("correct horse"))
        #expect(vault.isUnlocked)
        #expect(try fixture.readSecret(vault) == "abcdefghijklmnop")
    }

    @Test("lock zeroes the keys: leases and changes then fail with locked", arguments: StoreKind.allCases)
    func lockedVault(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        fixture.vault.lock()
        #expect(throws: VaultError.locked) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        #expect(throws: VaultError.locked) { try fixture.vault.revoke(account: "work") }
        #expect(throws: VaultError.locked, "names are sealed: nothing is readable while locked") { _ = try fixture.vault.accounts() }
    }

    @Test("init never overwrites an existing vault", arguments: StoreKind.allCases)
    func noOverwrite(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        #expect(throws: VaultError.vaultExists(try fixture.store.location)) {
            _ = try fixture.store.createVault(credential: passphrase("another passphrase"), configuration: VaultConfiguration())
        }
        #expect(try fixture.readSecret() == "abcdefghijklmnop")
    }

    @Test("passwd re-wraps the vault key: the old passphrase stops working, entries stay", arguments: StoreKind.allCases)
    func changePassphrase(store: StoreKind) throws {
        let fixture = try VaultFixture(store)
        let sealedBefore = try fixture.sealedSecret()
        try fixture.vault.changeCredential(from: passphrase("correct horse"), to: passphrase("new horse battery"), kdf: fastKDF)
        #expect(try fixture.sealedSecret() == sealedBefore, "entries are not re-encrypted")
        let vault = try fixture.reopen()
        #expect(throws: VaultError.wrongCredential) { try vault.unlock(with: passphrase("correct horse")) }
        try vault.unlock(with: passphrase("new horse battery"))
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

    @Test("init and passwd refuse a passphrase shorter than 12 characters; an existing one still unlocks")
    func shortPassphrase() throws {
        let folder = TemporaryFolder()
        #expect(throws: VaultError.self) { _ = try Vault.create(at: folder.file("v.db"), credential: passphrase("eleven char"), kdf: fastKDF) }
        #expect(!FileManager.default.fileExists(atPath: folder.file("v.db")), "nothing is left behind")
        let fixture = try VaultFixture()
        #expect(throws: VaultError.self) {
            try fixture.vault.changeCredential(from: passphrase("correct horse"), to: passphrase("short"), kdf: fastKDF)
        }
        try fixture.reopenUnlocked().lock()
    }

    @Test("passwd keeps the Argon2id cost unless told; a weaker one needs --allow-weaker-kdf")
    func kdfNeverSilentlyLowered() throws {
        let fixture = try VaultFixture()
        let moderate = KDFStrength.interactive.parameters
        try fixture.vault.changeCredential(from: passphrase("correct horse"), to: passphrase("stronger horse"), kdf: moderate)
        try fixture.vault.changeCredential(from: passphrase("stronger horse"), to: passphrase("another horse"))
        #expect(try fixture.vault.kdfParameters() == moderate, "no --kdf keeps the current cost")
        #expect(throws: VaultError.self) {
            try fixture.vault.changeCredential(from: passphrase("another horse"), to: passphrase("weaker horse!"), kdf: fastKDF)
        }
        try fixture.vault.changeCredential(from: passphrase("another horse"), to: passphrase("weaker horse!"), kdf: fastKDF,
                                           allowWeakerKDF: true)
        #expect(try fixture.vault.kdfParameters() == fastKDF)
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
        try store.body(kind: 2, keyHex: try accountKeyHex(name))
    }
}
