import AppVault
import ArgumentParser
import Foundation

/// `appvault list`: metadata only.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List accounts: settings, status, fingerprint, today's traffic. Never a secret.",
        discussion: """
            Names, addresses and servers are sealed in the vault: list asks a running, unlocked agent \
            that serves this vault, or else the passphrase. --json prints the documented, stable form (docs/cli.md).
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let listed = try VaultAccess.open(options, socket: socket).accounts().map { ListedAccount($0.record, traffic: $0.traffic) }
            if json { return try Output.json(listed) }
            if listed.isEmpty { return Output.line("No accounts. Add one with `appvault add NAME --provider gmail --email ADDR`.") }
            Output.table(
                ["NAME", "STATUS", "PROVIDER", "EMAIL", "IMAP", "SMTP", "GEN", "FINGERPRINT", "ROTATED", "TODAY IN/OUT (MB)"],
                listed.map { account in
                    [account.name, account.status.rawValue, account.provider, account.email, account.imap.description,
                     account.smtp.description, String(account.generation), account.fingerprint ?? "-",
                     Output.date(account.rotatedAt ?? account.createdAt),
                     account.trafficToday.map { "\(megabytes($0.bytesIn))/\(megabytes($0.bytesOut))" } ?? "-"]
                })
        }
    }

    private func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }
}

/// The JSON shape of one listed account (documented in docs/cli.md).
struct ListedAccount: Encodable {
    let name: String
    let email: String
    let provider: String
    let status: AccountStatus
    let generation: Int64
    let fingerprint: String?
    let imap: ServerEndpoint
    let smtp: ServerEndpoint
    let createdAt: Date
    let rotatedAt: Date?
    let revokedAt: Date?
    let checkedAt: Date?
    let trafficToday: TrafficUsage?

    init(_ record: AccountRecord, traffic: TrafficUsage?) {
        name = record.name
        email = record.email
        provider = record.provider
        status = record.status
        generation = record.generation
        fingerprint = record.fingerprint
        imap = record.imap
        smtp = record.smtp
        createdAt = record.createdAt
        rotatedAt = record.rotatedAt
        revokedAt = record.revokedAt
        checkedAt = record.checkedAt
        trafficToday = traffic
    }
}
