import AppVault
import ArgumentParser

/// `appvault revoke`: destroy an account's secret.
struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Destroy an account's app password and end its leases; a tombstone stays for the record.")

    @OptionGroup var options: VaultOptions

    @Argument(help: "The account's name.")
    var name: String

    func run() throws {
        try reportingErrors {
            let vault = try options.openUnlocked()
            let summary = try vault.revoke(account: name)
            Output.line("Revoked \(summary.record.name): secret destroyed, \(summary.leasesEnded) live lease(s) and session(s) ended, \(summary.tokensRevoked) client token(s) deleted (generation \(summary.record.generation)). Also revoke the app password at your provider.")
        }
    }
}
