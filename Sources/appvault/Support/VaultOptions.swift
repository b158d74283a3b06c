import AppVault
import ArgumentParser
import Foundation
import Glibc
import VaultCrypto

/// Options every command shares: where the vault is and how to unlock it.
struct VaultOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The vault file.", discussion: "Default: $APPVAULT_VAULT, else $XDG_DATA_HOME/appvault/vault.db.",
        valueName: "path"))
    var vault: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read the passphrase from this file (first line). Default: $APPVAULT_PASSPHRASE_FILE, else a terminal prompt.",
        valueName: "path"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Unlock with this key file instead of a passphrase. Default: $APPVAULT_KEY_FILE.", valueName: "path"))
    var keyFile: String?

    /// The vault path after defaults.
    var vaultPath: String {
        if let vault { return vault }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["APPVAULT_VAULT"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "/") + "/.local/share"
        return dataHome + "/appvault/vault.db"
    }

    var keyFilePath: String? {
        keyFile ?? ProcessInfo.processInfo.environment["APPVAULT_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var passphraseFilePath: String? {
        passphraseFile ?? ProcessInfo.processInfo.environment["APPVAULT_PASSPHRASE_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The audit actor for this process.
    static var actor: String { "cli uid \(getuid()) pid \(getpid())" }

    /// Where the rollback anchor lives: `$APPVAULT_ANCHOR_DIR` when set, else the standard place.
    static var anchor: AnchorSetting {
        if let folder = ProcessInfo.processInfo.environment["APPVAULT_ANCHOR_DIR"], folder.hasPrefix("/") { return .folder(folder) }
        return .standard
    }

    func configuration() -> VaultConfiguration {
        VaultConfiguration(logger: CLILogging.logger, actor: Self.actor, anchor: Self.anchor)
    }

    /// Opens the vault without unlocking it (metadata only).
    func openLocked() throws(VaultError) -> Vault {
        try Vault.open(at: vaultPath, configuration: configuration())
    }

    /// Opens and unlocks the vault with the key file or passphrase.
    func openUnlocked() throws(VaultError) -> Vault {
        let vault = try openLocked()
        try vault.unlock(with: credential(for: vault.credentialKind()))
        return vault
    }

    /// Reads the credential the vault needs.
    func credential(for kind: MasterCredential.Kind, prompt: String = "Vault passphrase: ") throws(VaultError) -> MasterCredential {
        switch kind {
        case .keyFile:
            guard let path = keyFilePath else {
                throw .invalidInput("this vault is unlocked with a key file; give --key-file or set APPVAULT_KEY_FILE")
            }
            return try .readKeyFile(at: path)
        case .passphrase:
            if let path = passphraseFilePath {
                return try .passphrase(SecretInput.firstLine(ofPrivateFile: path))
            }
            return try .passphrase(SecretInput.promptWithoutEcho(prompt))
        }
    }
}
