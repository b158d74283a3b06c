import AppVault
import ArgumentParser

/// `appvault rotate`: replace an account's app password.
struct Rotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace an account's app password; every outstanding lease stops working.",
        discussion: "The new password is read like `add` reads one, or generated and shown once with --generate.")

    @OptionGroup var options: VaultOptions

    @Argument(help: "The account's name.")
    var name: String

    @Flag(name: .long, help: "Generate a random password and print it once.")
    var generate = false

    func run() throws {
        try reportingErrors {
            let vault = try options.openUnlocked()
            let current = try vault.account(named: name)
            if generate {
                let generated = try vault.rotate(account: name)
                let record = generated.record
                Output.notice("New app password for \(record.name), shown once; set it at your server now:")
                generated.reveal { Output.writeSecret($0) }
                Output.notice("Rotated \(record.name): generation \(record.generation), fingerprint \(record.fingerprint ?? "-")")
            } else {
                let secret = try SecretInput.appPassword(prompt: "New app password for \(current.email): ")
                let record = try vault.rotate(account: name, secret: secret)
                Output.line("Rotated \(record.name): generation \(record.generation), fingerprint \(record.fingerprint ?? "-")")
            }
        }
    }
}
