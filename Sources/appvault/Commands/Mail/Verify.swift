import AppVault
import ArgumentParser
import MailConnectors

/// `appvault verify`: log in over IMAP and SMTP.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Log in to an account's IMAP and SMTP servers and report each.",
        discussion: """
            Through a running, unlocked agent when there is one (no passphrase: the agent logs in \
            with its own copy of the password); otherwise the vault is unlocked here and each \
            login uses a lease.
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name.")
    var name: String

    func run() throws {
        try reportingErrors {
            let access = try MailAccess.open(options, socket: socket)
            let via = access.throughAgent ? " (through the agent)" : ""
            var firstFailure: (any Error)?
            for proto in MailProtocol.allCases {
                do {
                    switch proto {
                    case .imap:
                        let session = try access.imap(name, mail: mail)
                        try session.client.logout()
                        Output.line("\(proto) \(session.endpoint): login OK as \(session.username)\(via)")
                    case .smtp:
                        let session = try access.smtp(name, mail: mail)
                        try session.client.quit()
                        Output.line("\(proto) \(session.endpoint): login OK as \(session.username)\(via)")
                    }
                } catch {
                    Output.line("\(proto): FAILED: \(error)")
                    firstFailure = firstFailure ?? error
                }
            }
            if let firstFailure { throw firstFailure }
        }
    }
}
