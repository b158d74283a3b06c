import AppVault
import ArgumentParser
import Foundation
import MailConnectors

/// `appvault send`: send a plain-text message read from standard input.
struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a plain-text message (body from standard input) through an SMTP lease.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name; its address is the sender.")
    var name: String

    @Option(name: .long, help: "Recipient address (repeat for several).")
    var to: [String]

    @Option(name: .long, help: "The subject line.")
    var subject = ""

    /// The largest body read from standard input.
    static let maximumBodyBytes = 10_000_000

    func run() throws {
        try reportingErrors {
            guard !to.isEmpty else { throw VaultError.invalidInput("give at least one --to address") }
            let body = FileHandle.standardInput.readData(ofLength: Self.maximumBodyBytes + 1)
            guard body.count <= Self.maximumBodyBytes else {
                throw VaultError.invalidInput("the message body is larger than \(Self.maximumBodyBytes) bytes")
            }
            guard let text = String(data: body, encoding: .utf8) else {
                throw VaultError.invalidInput("the message body is not valid UTF-8")
            }
            let broker = try LeaseBroker.open(options)
            let sender = try broker.vault.account(named: name).email
            let message = try MailMessage(from: sender, to: to, subject: subject, body: text)
            let bytes = Int64(message.rfc5322().count)
            try broker.vault.ensureAllowance(account: name, direction: .upload, bytes: bytes)
            let (client, lease) = try broker.smtp(name, options: mail.connection(budget: broker.vault))
            try client.send(message)
            try client.quit()
            Output.line("Sent \(bytes) bytes from \(sender) to \(to.joined(separator: ", ")) via \(lease.endpoint)")
        }
    }
}
