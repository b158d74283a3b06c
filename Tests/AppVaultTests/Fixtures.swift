import Foundation
import Glibc
import GRDB
import Synchronization
import Testing
import TestSupport
@testable import AppVault
import VaultCrypto

/// A private temporary folder, removed when the test's fixture goes away.
final class TemporaryFolder {
    let path: String
    init() {
        var template = Array("/tmp/appvault-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// The cheapest Argon2id parameters libsodium allows: tests check behaviour, not cost.
let fastKDF = PasswordHash.minimum

func secret(_ text: String) throws -> SecureBytes { try SecureBytes(copying: Array(text.utf8)) }

/// A secret-shaped test argument: Swift Testing prints arguments, so this prints only its length.
struct RedactedInput: Sendable, CustomTestStringConvertible {
    let text: String
    var testDescription: String { "<\(text.utf8.count)-byte secret>" }
}

func passphrase(_ text: String) throws -> MasterCredential { try .passphrase(secret(text)) }

/// A fresh vault with one Gmail account `work`, unlocked, in a store of the kind asked for.
struct VaultFixture {
    let folder = TemporaryFolder()
    let clock = ManualClock()
    let store: StoreFactory
    let vault: Vault
    let anchor: AnchorSetting
    /// The vault file (SQLite only).
    var path: String { store.path }

    init(_ kind: StoreKind = .sqlite, limits: LeaseLimits = LeaseLimits(), anchored: Bool = false) throws {
        anchor = anchored ? .folder(folder.file("anchors")) : .disabled
        store = try StoreFactory(kind, folder: folder.path)
        vault = try store.createVault(credential: passphrase("correct horse"),
                                      configuration: VaultConfiguration(clock: clock, actor: "test", leaseLimits: limits, anchor: anchor))
        try vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                             secret: secret("abcd efgh ijkl mnop"))
    }

    func reopen() throws -> Vault {
        try store.openVault(configuration: VaultConfiguration(clock: clock, actor: "test", anchor: anchor))
    }

    /// A second handle on the same store, unlocked (another process, as far as the vault knows).
    func reopenUnlocked() throws -> Vault {
        let other = try reopen()
        try other.unlock(with: passphrase("correct horse"))
        return other
    }

    /// Runs SQL on the vault's rows (`sqlite3` or `psql`), as an attacker with write access would.
    func sql(_ statements: String) throws { try store.sql(statements) }

    /// A copy of every row as it is now (a backup an attacker kept).
    func backup() throws -> StoreBackup { try store.backup(of: vault) }

    /// Runs raw SQL through GRDB (SQLite only; for statements `sqlite3` makes awkward).
    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
    }

    /// Reopens and unlocks the vault, lists, reads the audit log and the leases, verifies
    /// everything and reads the secret; throws at the first refusal (doctored-store tests).
    func useEverything() throws {
        let vault = try reopen()
        try vault.unlock(with: passphrase("correct horse"))
        _ = try vault.accounts()
        _ = try vault.auditRecords()
        _ = try vault.liveLeases()
        guard try vault.verifyAudit().isIntact else { throw VaultError.tampered("audit") }
        _ = try readSecret(vault)
    }

    /// Reads the secret through a lease, as a connector would.
    func readSecret(_ vault: Vault? = nil, protocol proto: MailProtocol = .imap) throws -> String {
        let vault = vault ?? self.vault
        let lease = try vault.lease(account: "work", for: proto, holder: "test")
        return try vault.redeem(lease, for: proto) { bytes in bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
    }

    /// The record key of account `name` (its row in `records`), as hex for SQL.
    func accountKeyHex(_ name: String = "work") throws -> String {
        try vault.read { ledger throws(VaultError) in Hex.encode(StoredAccount.key(for: name, keys: ledger.keys.ring)) }
    }
}
