import AppVault
import ArgumentParser
import Foundation
import Glibc
import PostgresStore
import VaultCrypto

/// Options every command shares: where the vault is and how to unlock it.
struct VaultOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The vault file.", discussion: "Default: $APPVAULT_VAULT, else $XDG_DATA_HOME/appvault/vault.db.",
        valueName: "path"))
    var vault: String?

    @Option(name: .long, help: ArgumentHelp(
        "A shared PostgreSQL store instead of the file: postgresql://HOST/DATABASE or libpq key=value settings.",
        discussion: """
            Default: $APPVAULT_STORE. Never with a password: libpq takes it from ~/.pgpass, PGPASSFILE or a \
            service file, or logs in with a client certificate. Over the network only sslmode=verify-full.
            """,
        valueName: "address"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read the passphrase from this file (first line). Default: $APPVAULT_PASSPHRASE_FILE, else a terminal prompt.",
        valueName: "path"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Unlock with this key file instead of a passphrase. Default: $APPVAULT_KEY_FILE.", valueName: "path"))
    var keyFile: String?

    /// Where the vault is: `--store`, `--vault`, `$APPVAULT_STORE`, `$APPVAULT_VAULT`, then the
    /// default file.
    func location() throws(VaultError) -> VaultLocation {
        if store != nil, vault != nil { throw .invalidInput("give --vault (a file) or --store (a database), not both") }
        if let store { return .database(try PostgresAddress(parsing: store)) }
        if vault == nil, let address = EnvironmentVariable.nonEmpty("APPVAULT_STORE") {
            return .database(try PostgresAddress(parsing: address))
        }
        return .file(vaultPath)
    }

    /// Whether a vault may exist where the options point: a database, or a file that exists.
    var mayHoldVault: Bool {
        guard case .file(let path) = (try? location()) ?? .file(vaultPath) else { return true }
        return FileSafetyProbe.exists(path)
    }

    /// The vault path after defaults.
    var vaultPath: String {
        if let vault { return vault }
        if let path = EnvironmentVariable.nonEmpty("APPVAULT_VAULT") { return path }
        let dataHome = EnvironmentVariable.nonEmpty("XDG_DATA_HOME")
            ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/") + "/.local/share"
        return dataHome + "/appvault/vault.db"
    }

    var keyFilePath: String? {
        keyFile ?? EnvironmentVariable.nonEmpty("APPVAULT_KEY_FILE")
    }

    var passphraseFilePath: String? {
        passphraseFile ?? EnvironmentVariable.nonEmpty("APPVAULT_PASSPHRASE_FILE")
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
    func openLocked(configuration: VaultConfiguration? = nil) throws(VaultError) -> Vault {
        let configuration = configuration ?? self.configuration()
        return try Vault.open(store: location().openStore(logger: configuration.logger), configuration: configuration)
    }

    /// Creates a new vault where the options point, with the credential `credential` reads once
    /// the place is known to be free (so nobody types a passphrase for a vault that cannot be
    /// made); a file left half made is removed.
    func createVault(kdf: KDFParameters, credential: () throws -> MasterCredential) throws -> Vault {
        let location = try location()
        // A file is made only once the credential is read, so Ctrl-C at the prompt leaves none;
        // a database is checked (reachable, empty) before anyone types a passphrase.
        let store: any VaultStore
        let secret: MasterCredential
        if case .file(let path) = location {
            try SQLiteStore.checkCreatable(path: path)
            secret = try credential()
            store = try location.createStore()
        } else {
            store = try location.createStore()
            secret = try credential()
        }
        do {
            return try Vault.create(store: store, credential: secret, kdf: kdf, configuration: configuration())
        } catch {
            location.removeUnfinished()
            throw error
        }
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
