import AppVault
import ArgumentParser

/// `appvault rotate`: replace an account's app password.
struct Rotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace an account's app password; every outstanding lease stops working.",
        discussion: """
            The new password is read like `add` reads one, or generated and shown once with --generate. \
            With --verify it must log in first; if it does not, the old password stays in force.
            """)

    @OptionGroup var options: VaultOptions

    @Argument(help: "The account's name.")
    var name: String

    @Flag(name: .long, help: "Generate a random password and print it once.")
    var generate = false

    @Flag(name: .long, help: "Log in with the new password first; switch to it only if it works.")
    var verify = false

    @OptionGroup var mail: MailOptions

    func run() throws {
        try reportingErrors {
            if generate && verify {
                throw VaultError.invalidInput("--verify checks a password the server already knows; it cannot go with --generate")
            }
            let vault = try options.openUnlocked()
            let current = try vault.account(named: name)
            if generate {
                let generated = try vault.rotate(account: name)
                let record = generated.record
                Output.notice("New app password for \(record.name), shown once; set it at your server now:")
                generated.reveal { Output.writeSecret($0) }
                Output.notice("Rotated \(record.name): generation \(record.generation), fingerprint \(record.fingerprint ?? "-")")
            } else {
                let secret = try AppPassword.normalise(
                    SecretInput.appPassword(prompt: "New app password for \(current.email): "),
                    sixteenLetters: ProviderPreset.named(current.provider)?.usesSixteenLetterAppPasswords ?? false)
                if verify {
                    try PasswordProbe.check(secret, account: name, username: current.email,
                                            imap: current.imap, smtp: current.smtp, mail: mail)
                }
                let record = try vault.rotate(account: name, secret: secret)
                Output.line("Rotated \(record.name): generation \(record.generation), fingerprint \(record.fingerprint ?? "-")")
            }
        }
    }
}
