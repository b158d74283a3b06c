import AppVault
import ArgumentParser

/// The `appvault` command: parse, call the library, print.
@main
struct AppVaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appvault",
        abstract: "Keep email app passwords encrypted; let programs use the mailbox without ever holding the password.",
        discussion: """
            A secret is shown only when it is created or rotated; no command shows it again. \
            The password is read only by appvault's own IMAP and SMTP connectors, in this process \
            or in the agent, whose local endpoints mail clients log in to with revocable tokens. \
            Secrets are read from a terminal without echo, from standard input when it is not a \
            terminal (app passwords), or from a file (--passphrase-file); never from arguments \
            or environment values.

            EXIT CODES
            \(ExitStatus.helpTable)
            """,
        version: "0.1.0",
        subcommands: [
            Initialise.self, Add.self, List.self, Rotate.self, Revoke.self, Passwd.self, Audit.self, Upgrade.self, Migrate.self,
            Verify.self, Inbox.self, Fetch.self, Send.self, Check.self,
            AgentCommand.self, AgentUnlock.self, AgentLock.self, AgentLeases.self, AgentLease.self, TokenCommand.self,
        ]
    )
}

extension ExitStatus {
    /// The exit codes as `--help` lists them, one per line.
    static var helpTable: String {
        allCases.map { status in
            let code = String(status.rawValue)
            return String(repeating: " ", count: 3 - code.count) + code + "  " + status.meaning
        }.joined(separator: "\n")
    }
}
