import AppVault
import ArgumentParser
import VaultCrypto

/// `appvault init`: create a vault.
struct Initialise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty vault (never overwrites one).",
        discussion: """
            In a file (--vault), or with --store in an empty PostgreSQL database that the appvault \
            commands and agents of every host then share (docs/postgresql.md). With a passphrase \
            (asked twice on the terminal, or --passphrase-file), the master key comes from Argon2id \
            at the chosen strength. With --key-file, a new 32-byte key file is created there \
            (mode 0600) when none exists, and the vault opens only with it.
            """)

    @OptionGroup var options: VaultOptions

    @Option(name: .long, help: "Argon2id strength: interactive (64 MiB), moderate (256 MiB) or sensitive (1 GiB).")
    var kdf: KDFStrengthArgument = .moderate

    func run() throws {
        try reportingErrors {
            let vault = try options.createVault(kdf: kdf.strength.parameters) { () throws -> MasterCredential in
                if let keyFile = options.keyFilePath {
                    return FileSafetyProbe.exists(keyFile) ? try .readKeyFile(at: keyFile) : try .createKeyFile(at: keyFile)
                } else if let file = options.passphraseFilePath {
                    return try .passphrase(SecretInput.firstLine(ofPrivateFile: file))
                }
                return try .passphrase(SecretInput.promptNewWithoutEcho("New vault passphrase: "))
            }
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
