import AppVault
import Foundation
import Glibc

/// Benchmark vaults: unlocked with a key file (so no Argon2id runs outside the unlock section),
/// filled through the real `addAccount` API with generated 16-letter Gmail-style app passwords.
enum BenchVault {
    /// The name of account number `index`.
    static func accountName(_ index: Int) -> String { "acct" + String(format: "%06d", index) }

    /// A private temporary folder under `root` (mode 0700).
    static func privateFolder(under root: String) -> String {
        var template = Array("\(root)/appvault-bench-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    /// Creates `folder/vault.db` and `folder/vault.key` and adds `accounts` accounts, one
    /// `addAccount` transaction each. Returns the time spent adding accounts, in nanoseconds.
    @discardableResult
    static func create(in folder: String, accounts: Int) throws -> Double {
        let credential = try MasterCredential.createKeyFile(at: keyPath(folder))
        let vault = try Vault.create(at: vaultPath(folder), credential: credential,
                                     configuration: VaultConfiguration(actor: "bench"))
        let (_, elapsed) = try timeOnce {
            for index in 0..<accounts {
                let spec = try AccountSpec(name: accountName(index), email: "\(accountName(index))@gmail.com",
                                           provider: "gmail")
                _ = try vault.addAccount(spec, generatingSecret: ())
            }
        }
        return elapsed
    }

    /// Opens and unlocks the vault in `folder`.
    static func openUnlocked(_ folder: String, configuration: VaultConfiguration = VaultConfiguration(actor: "bench")) throws -> Vault {
        let vault = try Vault.open(at: vaultPath(folder), configuration: configuration)
        try vault.unlock(with: MasterCredential.readKeyFile(at: keyPath(folder)))
        return vault
    }

    /// Copies a closed vault (and its key file) from `source` to `target`, keeping mode 0600, and
    /// flushes the copy to the device so the measurements after it do not compete with writeback.
    static func copy(from source: String, to target: String) throws {
        for name in ["vault.db", "vault.key"] {
            let path = target + "/" + name
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: path)
            chmod(path, 0o600)
            let descriptor = open(path, O_RDONLY)
            if descriptor >= 0 { fsync(descriptor); close(descriptor) }
        }
    }

    /// The vault file's size including its write-ahead log.
    static func fileSize(_ folder: String) -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            var info = stat()
            return total + (stat(vaultPath(folder) + suffix, &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    static func vaultPath(_ folder: String) -> String { folder + "/vault.db" }
    static func keyPath(_ folder: String) -> String { folder + "/vault.key" }
}
