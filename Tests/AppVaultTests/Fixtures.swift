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

/// A fresh vault with one Gmail account `work`, unlocked.
struct VaultFixture {
    let folder = TemporaryFolder()
    let clock = ManualClock()
    let vault: Vault
    let anchor: AnchorSetting
    var path: String { folder.file("vault/vault.db") }

    init(limits: LeaseLimits = LeaseLimits(), anchored: Bool = false) throws {
        anchor = anchored ? .folder(folder.file("anchors")) : .disabled
        vault = try Vault.create(at: folder.file("vault/vault.db"), credential: passphrase("correct horse"), kdf: fastKDF,
                                 configuration: VaultConfiguration(clock: clock, actor: "test", leaseLimits: limits, anchor: anchor))
        try vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                             secret: secret("abcd efgh ijkl mnop"))
    }

    func reopen() throws -> Vault {
        try Vault.open(at: path, configuration: VaultConfiguration(clock: clock, actor: "test", anchor: anchor))
    }

    /// A second handle on the same file, unlocked (another process, as far as the vault knows).
    func reopenUnlocked() throws -> Vault {
        let other = try reopen()
        try other.unlock(with: passphrase("correct horse"))
        return other
    }

    /// Runs SQL against the vault file with the `sqlite3` program, as an attacker with write
    /// access to the file would.
    func sqlite3(_ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw VaultError.io("sqlite3 failed (\(process.terminationStatus)): \(message)")
        }
    }

    /// A copy of the vault file as it is now (a backup an attacker kept).
    func backup(_ name: String = "backup.db") throws -> String {
        vault.store.checkpoint()
        let copy = folder.file(name)
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        return copy
    }

    /// Runs raw SQL through GRDB (for statements `sqlite3` makes awkward).
    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
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
