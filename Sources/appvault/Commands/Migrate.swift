import AppVault
import ArgumentParser

/// `appvault migrate --to`: copy a vault between a file and a PostgreSQL database.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the vault, rows as they are, into an empty PostgreSQL database or a new file.",
        discussion: """
            The source is the vault the usual options name (--vault, --store, $APPVAULT_STORE, \
            $APPVAULT_VAULT). --to takes a postgresql:// URL or libpq key=value settings naming an \
            empty database, or the path of a file that does not exist yet. Sealed rows, the integrity \
            tree, the audit log, the header and the state row are copied unchanged in one transaction, \
            so the copy is the same vault (same id, same passphrase) with a verifiable audit chain. \
            The copy is read back and compared with the source row by row; with --passphrase-file or \
            --key-file it is also unlocked and verified like `audit --verify`. Stop the agents that use \
            the source first: changes made after the copy stay behind.
            """)

    @OptionGroup var options: VaultOptions

    @Option(name: .long, help: ArgumentHelp(
        "Where to copy to: an empty PostgreSQL database (URL or key=value) or a new file.", valueName: "address-or-path"))
    var to: String

    func run() throws {
        try reportingErrors {
            let source = try options.location()
            let target = try VaultLocation.parsing(to)
            let sourceStore = try source.openStore()
            let vault = try Vault.open(store: sourceStore, configuration: options.configuration())
            let targetStore = try target.createStore()
            let summary: StoreCopy.Summary
            do {
                summary = try StoreCopy.copy(from: sourceStore, to: targetStore)
            } catch {
                target.removeUnfinished()
                throw error
            }
            Output.line("Copied vault \(vault.id) from \(source.description) to \(target.description): \(summary.records) records, "
                + "\(summary.treeNodes) integrity-tree nodes, \(summary.auditEntries) audit records, commit \(summary.commitCounter); "
                + "every row read back and compared")
            guard options.keyFilePath != nil || options.passphraseFilePath != nil else {
                Output.notice("Not unlocked: run `appvault audit --verify` on the copy to check its audit chain and integrity tree with the vault key.")
                return
            }
            let copy = try Vault.open(store: targetStore, configuration: options.configuration())
            try copy.unlock(with: options.credential(for: copy.credentialKind()))
            let result = try copy.verifyAudit()
            guard result.isIntact else {
                throw VaultError.tampered("the copy failed verification: \(result.problems.joined(separator: "; "))")
            }
            Output.line("Copy verified with the vault key: \(result.recordCount) audit records, hash chain, every row and the state row")
        }
    }
}
