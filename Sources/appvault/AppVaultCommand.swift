import ArgumentParser

/// The `appvault` command: parse, call the library, print.
@main
struct AppVaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appvault",
        abstract: "Keep email app passwords encrypted and lend them to appvault's IMAP/SMTP connectors as short leases.",
        discussion: """
            A secret is shown only when it is created or rotated; no command shows it again. \
            Secrets are read from a terminal without echo, from standard input when it is not a \
            terminal (app passwords), or from a file (--passphrase-file); never from arguments \
            or environment values.

            EXIT CODES
              0  success
              1  other failure (I/O, storage)
              2  bad input (invalid name, address, password format, server)
              3  wrong passphrase or key file
              4  no such account, lease or vault
              5  already exists (account or vault)
              6  tampered, corrupt or unsupported vault; audit --verify found a problem
              7  insecure file permissions
              8  busy: another process holds the vault; try again
              9  locked
             10  lease refused (expired, used up, revoked, stale, wrong protocol, limit)
             11  daily traffic limit reached
             12  mail server login failed (password rejected: rotate it)
             13  mail server, network or TLS failure: certificate, host name, time-out,
                 no STARTTLS, a refused command
             14  no agent answers on the socket
             15  refused by the agent's policy
             16  agent protocol error or time-out
             17  check found accounts whose password no longer works (marked dead)
             64  usage error (unknown option, missing argument)
            """,
        version: "0.1.0",
        subcommands: [
            Initialise.self, Add.self, List.self, Rotate.self, Revoke.self, Passwd.self, Audit.self,
            Verify.self, Inbox.self, Send.self, Check.self,
            AgentCommand.self, AgentUnlock.self, AgentLock.self, AgentLeases.self, AgentLease.self,
        ]
    )
}
