import AppVault
import ArgumentParser
import Foundation
import MailConnectors

/// `appvault inbox`: the newest messages of a mailbox; a short form of `fetch NAME --limit N`.
struct Inbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List the newest messages of a mailbox (date, from, subject); `fetch` searches and saves.",
        discussion: "Through a running, unlocked agent when there is one (no passphrase), else with the vault unlocked here.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name.")
    var name: String

    @Option(name: .long, help: "The mailbox to read (opened read-only).")
    var mailbox = "INBOX"

    @Option(name: .long, help: "How many of the newest messages (1-1000).")
    var limit = 20

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard (1...1000).contains(limit) else { throw VaultError.invalidInput("--limit must be 1 to 1000") }
            let request = FetchRequest(mailbox: try FetchRequest.mailboxName(mailbox), criteria: SearchCriteria(), limit: limit,
                                       onlyNew: false, items: .envelope)
            let access = try MailAccess.open(options, socket: socket)
            let client = try access.imap(name, mail: mail).client
            let listing = try MailboxFetcher(request: request).list(client, after: nil, saving: false)
            try client.logout()
            let listed = listing.summaries.reversed().map(ListedMessage.init)
            if json { return try Output.json(listed) }
            Output.line("\(Output.safe(listing.status.name)): \(listing.status.messageCount) messages; newest \(listed.count):")
            Output.table(["DATE", "FROM", "SUBJECT"], listed.map { [Output.date($0.date), $0.from.joined(separator: ", "), $0.subject] })
        }
    }
}

/// The JSON shape of one message of `inbox` (docs/cli.md).
struct ListedMessage: Encodable {
    let sequence: Int
    let date: Date?
    let from: [String]
    let subject: String
    let messageID: String?

    init(_ summary: MessageSummary) {
        sequence = summary.sequenceNumber
        date = summary.date
        from = summary.from.map(\.description)
        subject = summary.subject
        messageID = summary.messageID
    }
}
