import AppVault
import ArgumentParser
import VaultCrypto

/// `appvault init`: create a vault.
struct Initialise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty vault (never overwrites one).",
        discussion: """
            With a passphrase (asked twice on the terminal, or --passphrase-file), the master key
            comes from Argon2id at the chosen strength. With --key-file, a new 32-byte key file is
            created there (mode 0600) when none exists, and the vault opens only with it.
            """)

    @OptionGroup var options: VaultOptions

    @Option(name: .long, help: "Argon2id strength: interactive (64 MiB), moderate (256 MiB) or sensitive (1 GiB).")
    var kdf: KDFStrengthArgument = .moderate

    func run() throws {
        try reportingErrors {
            let path = options.vaultPath
            let credential: MasterCredential
            if let keyFile = options.keyFilePath {
                credential = FileSafetyProbe.exists(keyFile) ? try .readKeyFile(at: keyFile) : try .createKeyFile(at: keyFile)
            } else if let file = options.passphraseFilePath {
                credential = try .passphrase(SecretInput.firstLine(ofPrivateFile: file))
            } else {
                credential = try .passphrase(SecretInput.promptNewWithoutEcho("New vault passphrase: "))
            }
            let vault = try Vault.create(at: path, credential: credential, kdf: kdf.strength.parameters,
                                         configuration: options.configuration())
            Output.line("Created vault \(vault.path) (\(options.keyFilePath == nil ? "passphrase, Argon2id \(kdf.rawValue)" : "key file"))")
        }
    }
}

/// `--kdf` values.
enum KDFStrengthArgument: String, ExpressibleByArgument, CaseIterable {
    case interactive, moderate, sensitive
    var strength: KDFStrength { KDFStrength(rawValue: rawValue)! }
}

/// Existence check without following a final symbolic link.
enum FileSafetyProbe {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

import Glibc
