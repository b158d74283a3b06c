import AppVault
import ArgumentParser
import MailConnectors

/// `appvault verify`: log in over IMAP and SMTP with leases.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Log in to an account's IMAP and SMTP servers with one-use leases and report each.",
        discussion: "Uses a running, unlocked agent when there is one; otherwise asks for the vault passphrase.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name.")
    var name: String

    func run() throws {
        try reportingErrors {
            let broker = try LeaseBroker.open(options)
            let connection = try mail.connection(budget: broker.vault)
            var firstFailure: (any Error)?
            for proto in MailProtocol.allCases {
                do {
                    let lease: Lease
                    switch proto {
                    case .imap:
                        let (client, granted) = try broker.imap(name, options: connection)
                        try client.logout()
                        lease = granted
                    case .smtp:
                        let (client, granted) = try broker.smtp(name, options: connection)
                        try client.quit()
                        lease = granted
                    }
                    Output.line("\(proto) \(lease.endpoint): login OK as \(lease.username) (lease \(lease.id.prefix(8)), spent)")
                } catch {
                    Output.line("\(proto): FAILED: \(error)")
                    firstFailure = firstFailure ?? error
                }
            }
            if let firstFailure { throw firstFailure }
        }
    }
}
