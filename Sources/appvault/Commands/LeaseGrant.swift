import AppVault
import ArgumentParser
import Foundation
import VaultAgent

/// `appvault lease grant`: a one-session login for the agent's local endpoints.
struct LeaseGrant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant a one-session login lease and print its password once (a local credential, never the app password).",
        discussion: """
            A mail client logs in to the agent's IMAP or SMTP endpoint with user = the account's \
            name and password = the printed lease password; its first login spends the lease, which \
            then holds that session until it ends (`appvault leases` shows it, `appvault lease \
            revoke ID` ends it). Through a running, unlocked agent when there is one, else the vault \
            unlocked here (the agent started later accepts it). The password is printed on standard \
            output, everything else on standard error.
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Argument(help: "The account's name.")
    var name: String

    @Option(name: .long, help: "imap or smtp.")
    var `protocol`: MailProtocolArgument

    @Option(name: .long, help: "Seconds until the lease must be used (default 60, at most 900).")
    var ttl: Int?

    @Flag(name: .long, help: "Print JSON (the lease and its password).")
    var json = false

    func run() throws {
        try reportingErrors {
            let ttl = try ttl.map { (seconds) throws(VaultError) -> Duration in
                guard (1...900).contains(seconds) else { throw .invalidInput("--ttl must be 1 to 900 seconds") }
                return .seconds(seconds)
            }
            switch try VaultAccess.open(options, socket: socket) {
            case .agent(let client, _):
                try client.grantLogin(account: name, for: `protocol`.value, ttl: ttl) { lease, password in
                    try password.withUnsafeBytes { try show(lease, password: $0) }
                }
            case .local(let vault):
                let granted = try vault.grantLoginLease(account: name, for: `protocol`.value, ttl: ttl, holder: VaultOptions.actor)
                let lease = granted.lease
                try granted.revealPassword { try show(lease, password: $0) }
            }
        }
    }

    private func show(_ lease: Lease, password: UnsafeRawBufferPointer) throws {
        if json {
            try Output.jsonWithSecret(lease, secretKey: "password", secret: password)
        } else {
            Output.notice("lease \(lease.id): one \(lease.protocol) session for \(lease.account), to be used before \(Output.date(lease.expiresAt)); log in as user \(lease.account) with this password, shown once:")
            Output.writeSecret(password)
        }
    }
}

/// `--protocol` values.
enum MailProtocolArgument: String, ExpressibleByArgument, CaseIterable {
    case imap, smtp
    var value: MailProtocol { MailProtocol(rawValue: rawValue)! }
}
