import AppVault
import ArgumentParser

/// `appvault upgrade`: convert a vault of an older format.
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Convert a format-1 vault (appvault 0.1) to the current format, keeping the old file.",
        discussion: """
            The old vault is unlocked and checked first (header, every password's binding, the whole \
            audit chain); one that fails is not converted (exit 6). The vault key and passphrase stay \
            the same, so fingerprints do not change; accounts keep their status, generation and \
            times; leases are not carried over. The old file is kept as VAULT.format1 (its audit log \
            with it); the new audit log starts with a record naming the old log's length and last MAC.
            """)

    @OptionGroup var options: VaultOptions

    func run() throws {
        try reportingErrors {
            let path = options.vaultPath
            let credential: MasterCredential
            if let keyFile = options.keyFilePath {
                credential = try .readKeyFile(at: keyFile)
            } else if let file = options.passphraseFilePath {
                credential = try .passphrase(SecretInput.firstLine(ofPrivateFile: file))
            } else {
                credential = try .passphrase(SecretInput.promptWithoutEcho("Vault passphrase: "))
            }
            let summary = try Vault.upgrade(formatOneAt: path, credential: credential, configuration: options.configuration())
            Output.line("Converted \(path) to format 2: \(summary.accounts) account(s), \(summary.formerAuditRecords) former audit records verified; the old file is kept as \(summary.backup)")
        }
    }
}
