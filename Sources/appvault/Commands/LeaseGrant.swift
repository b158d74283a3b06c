import AppVault
import ArgumentParser
import Foundation

/// `appvault lease grant`: take a lease for a connector started later (`inbox --lease ID`).
struct LeaseGrant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant a lease on an account and print its id and limits (never the secret).",
        discussion: "Through a running, unlocked agent when there is one, else the vault unlocked here. Present it with `appvault inbox NAME --lease ID`.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Argument(help: "The account's name.")
    var name: String

    @Option(name: .long, help: "imap or smtp.")
    var `protocol`: MailProtocolArgument

    @Option(name: .long, help: "Seconds the lease lives (default 60, at most 900).")
    var ttl: Int?

    @Option(name: .long, help: "How many logins it allows.")
    var uses = 1

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let broker = try LeaseBroker.open(options, socket: socket)
            let lease = try broker.lease(name, for: `protocol`.value, ttl: ttl.map { .seconds($0) }, uses: uses)
            if json { return try Output.json(lease) }
            Output.line("lease \(lease.id): \(lease.protocol) \(lease.account) at \(lease.endpoint), \(lease.usesLeft) use(s), expires \(Output.date(lease.expiresAt))")
        }
    }
}

/// `--protocol` values.
enum MailProtocolArgument: String, ExpressibleByArgument, CaseIterable {
    case imap, smtp
    var value: MailProtocol { MailProtocol(rawValue: rawValue)! }
}
