import AppVault
import ArgumentParser
import MailConnectors

/// `appvault check`: find passwords the provider no longer accepts.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Probe accounts with an IMAP login; mark those whose password no longer works as dead.",
        discussion: """
            Google revokes every app password when the account's own password changes. check finds \
            such accounts before the next sync fails: a rejected login marks the account dead (shown \
            by list) and the command exits 17; a working one marks it active again. Network and TLS \
            failures are reported but mark nothing. Needs the vault passphrase (it writes the vault).
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "One account; default: every account that is not revoked.")
    var name: String?

    func run() throws {
        try reportingErrors {
            let vault = try options.openUnlocked()
            let accounts = try name.map { [try vault.account(named: $0)] } ?? vault.accounts()
            let connection = try mail.connection(budget: vault)
            var dead: [String] = []
            var unreachable: (any Error)?
            for account in accounts where account.status != .revoked {
                do {
                    let lease = try vault.lease(account: account.name, for: .imap, holder: VaultOptions.actor)
                    let client = try IMAPClient.connect(lease: lease, redeemer: vault, options: connection, logger: CLILogging.logger)
                    try client.logout()
                    try vault.recordCheck(account: account.name, passwordWorks: true, detail: "IMAP login to \(account.imap)")
                    Output.line("\(account.name): OK")
                } catch ConnectorError.authenticationFailed(let serverText) {
                    try vault.recordCheck(account: account.name, passwordWorks: false, detail: "IMAP login rejected")
                    Output.line("\(account.name): DEAD: the server rejected the password (\(serverText)); rotate it")
                    dead.append(account.name)
                } catch {
                    Output.line("\(account.name): not checked: \(error)")
                    unreachable = unreachable ?? error
                }
            }
            if !dead.isEmpty { throw DeadAccounts(names: dead) }
            if let unreachable { throw unreachable }
        }
    }
}

/// `check` found accounts whose password no longer works.
struct DeadAccounts: ReportableError {
    let names: [String]
    var exitCode: Int32 { 17 }
    var description: String { "password rejected, account marked dead: \(names.joined(separator: ", ")); rotate with `appvault rotate NAME`" }
}
