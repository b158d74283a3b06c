import AppVault
import VaultCrypto

/// Section 6: unlocking at each named Argon2id strength, next to libsodium's documented figures.
enum Unlock {
    /// What the libsodium documentation says for each strength
    /// (https://doc.libsodium.org/password_hashing/default_phf, "Guidelines for choosing the parameters").
    static func documented(_ strength: KDFStrength) -> String {
        switch strength {
        case .interactive: "64 MiB; no time given"
        case .moderate: "256 MiB; about 0.7 s on a 2.8 GHz Core i7"
        case .sensitive: "1024 MiB; about 3.5 s on a 2.8 GHz Core i7"
        }
    }

    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Unlock: Argon2id at each named strength",
            baseline: "`crypto_pwhash` (Argon2id13) alone with the same parameters (VaultCrypto `PasswordHash.deriveKey`)",
            columns: ["strength", "opslimit", "memlimit", "samples", "Argon2id alone (baseline)", "`Vault.unlock`",
                      "unlock / baseline", "libsodium documentation"])
        let passphrase = try SecureBytes.random(count: 24)
        let salt = SecureRandom.bytes(PasswordHash.saltBytes)
        for strength in KDFStrength.allCases {
            let parameters = strength.parameters
            let samples = max(1, Int(Double(strength == .sensitive ? 2 : strength == .moderate ? 3 : 5) * min(1, settings.scale * 4)))
            let raw = try timeEach(samples) {
                _ = try PasswordHash.deriveKey(length: 32, passphrase: passphrase, salt: salt, parameters: parameters)
            }
            let folder = BenchVault.privateFolder(under: settings.memoryRoot)
            defer { try? BenchFiles.remove(folder) }
            let vault = try Vault.create(at: BenchVault.vaultPath(folder),
                                         credential: .passphrase(passphrase.slice(0..<passphrase.count)),
                                         kdf: parameters, configuration: VaultConfiguration(actor: "bench"))
            let unlocks = try timeEach(samples) {
                vault.lock()
                try vault.unlock(with: .passphrase(passphrase.slice(0..<passphrase.count)))
            }
            table.add([strength.rawValue, String(parameters.opsLimit), Format.bytes(Int(parameters.memLimit)),
                       String(samples), Format.duration(raw.median), Format.duration(unlocks.median),
                       Format.ratio(unlocks.median / raw.median), documented(strength)])
        }
        table.notes = [
            "Medians. The unlock runs the same Argon2id, then unwraps the vault key, derives the subkeys and checks the header MAC.",
            "libsodium's figures are from its documentation, not from this run; they name the CPU they were measured on.",
        ]
        return table
    }
}
