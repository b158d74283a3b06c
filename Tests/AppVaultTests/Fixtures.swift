import Foundation
import Glibc
import GRDB
import Synchronization
import Testing
@testable import AppVault
import VaultCrypto

/// A clock the test moves by hand.
final class ManualClock: VaultClock {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

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
    var path: String { folder.file("vault.db") }

    init(limits: LeaseLimits = LeaseLimits()) throws {
        let path = folder.file("vault.db")
        vault = try Vault.create(at: path, credential: passphrase("correct horse"), kdf: fastKDF,
                                 configuration: VaultConfiguration(clock: clock, actor: "test", leaseLimits: limits))
        try vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                             secret: secret("abcd efgh ijkl mnop"))
    }

    func reopen() throws -> Vault {
        try Vault.open(at: path, configuration: VaultConfiguration(clock: clock, actor: "test"))
    }

    /// Runs raw SQL against the vault file, as an attacker with write access would.
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
}
