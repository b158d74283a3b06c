import AppVault
import Foundation
import Glibc
import TestSupport
import VaultCrypto

/// How many cases a reliability test runs: short in `make test`, long in `make torture`
/// (which sets the variable named here).
func iterations(_ variable: String, short: Int) -> Int {
    ProcessInfo.processInfo.environment[variable].flatMap(Int.init) ?? short
}

/// A key-file vault driven through the CLI; key files keep each command fast (no Argon2id),
/// so kills land in the storage code rather than in the KDF.
struct KeyFileVault: Sendable {
    let cli: CLIRunner
    var keyFile: String

    /// Creates the vault at `vaultPath`, or in the runner's own folder.
    init(vaultPath: String? = nil) throws {
        var cli = CLIRunner()
        keyFile = cli.folder + "/key-0"
        cli.environment["APPVAULT_PASSPHRASE_FILE"] = nil
        if let vaultPath { cli.environment["APPVAULT_VAULT"] = vaultPath }
        self.cli = cli
        let created = try cli.run(["init", "--key-file", keyFile])
        precondition(created.status == 0, created.all)
    }

    var environment: [String: String] { ["APPVAULT_KEY_FILE": keyFile] }

    @discardableResult
    func run(_ arguments: [String], stdin: String = "") throws -> CLIRunner.Result {
        try cli.run(arguments, stdin: Data(stdin.utf8), environment: environment)
    }

    static func customAccount(_ name: String) -> [String] {
        ["add", name, "--provider", "custom", "--email", "\(name)@example.test",
         "--imap", "127.0.0.1:10993:tls", "--smtp", "127.0.0.1:10465:tls"]
    }

    /// Opens the vault in-process and unlocks it with `keyFile`.
    func open(keyFile: String? = nil) throws -> Vault {
        let vault = try Vault.open(at: cli.vaultPath)
        try vault.unlock(with: .readKeyFile(at: keyFile ?? self.keyFile))
        return vault
    }
}

extension Vault {
    /// Whether `account`'s stored secret equals `expected`, read through a lease and compared
    /// in memory, never printed.
    func secretMatches(_ account: String, _ expected: String) throws -> Bool {
        let lease = try lease(account: account, for: .imap, holder: "reliability-test")
        return try redeem(lease, for: .imap) { secret in
            secret.withUnsafeBytes { Array($0) == Array(expected.utf8) }
        }
    }
}

/// Appends one line of results for `make torture`'s report.
func report(_ line: String) {
    guard let path = ProcessInfo.processInfo.environment["APPVAULT_RELIABILITY_REPORT"] else { return }
    let data = Data((line + "\n").utf8)
    if let handle = FileHandle(forWritingAtPath: path) {
        handle.seekToEndOfFile()
        handle.write(data)
        try? handle.close()
    } else {
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }
}
