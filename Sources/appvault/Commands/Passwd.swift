import AppVault
import ArgumentParser

/// `appvault passwd`: change the master passphrase.
struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change the vault's passphrase (or key file); entries are not re-encrypted.",
        discussion: "The current credential is read as usual; the new passphrase from --new-passphrase-file or the terminal (twice).")

    @OptionGroup var options: VaultOptions

    @Option(name: .long, help: ArgumentHelp("Read the new passphrase from this file.", valueName: "path"))
    var newPassphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("Switch to this key file (created when missing).", valueName: "path"))
    var newKeyFile: String?

    @Option(name: .long, help: "Argon2id strength for the new passphrase (default: keep the current one).")
    var kdf: KDFStrengthArgument?

    @Flag(name: .long, help: "Allow --kdf to lower the Argon2id strength.")
    var allowWeakerKdf = false

    func run() throws {
        try reportingErrors {
            let vault = try options.openLocked()
            let current = try options.credential(for: vault.credentialKind(), prompt: "Current vault passphrase: ")
            let new: MasterCredential
            if let keyFile = newKeyFile {
                new = FileSafetyProbe.exists(keyFile) ? try .readKeyFile(at: keyFile) : try .createKeyFile(at: keyFile)
            } else if let file = newPassphraseFile {
                new = try .passphrase(SecretInput.firstLine(ofPrivateFile: file))
            } else {
                new = try .passphrase(SecretInput.promptNewWithoutEcho("New vault passphrase: "))
            }
            try vault.changeCredential(from: current, to: new, kdf: kdf?.strength.parameters, allowWeakerKDF: allowWeakerKdf)
            Output.line("Changed the vault's \(newKeyFile == nil ? "passphrase" : "credential to a key file"); entries untouched.")
        }
    }
}
