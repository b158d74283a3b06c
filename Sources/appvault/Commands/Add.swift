import AppVault
import ArgumentParser
import VaultCrypto

/// `appvault add`: store a newly generated app password.
struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Store an app password for a mailbox (asked without echo, or read from standard input).",
        discussion: """
            The password is read from the terminal without echo, or from standard input when it is
            not a terminal. Gmail and Yahoo passwords may be typed as shown (abcd efgh ijkl mnop);
            they are checked to be 16 letters. With --verify the password must log in over IMAP and \
            SMTP before it is stored. With --generate a strong random password is made and
            printed exactly once: set it at your server, it is never shown again.
            """)

    @OptionGroup var options: VaultOptions

    @Argument(help: "A short name for the account (letters, digits, '.', '_', '-').")
    var name: String

    @Option(name: .long, help: "gmail, outlook, yahoo, icloud, fastmail or custom.")
    var provider: String

    @Option(name: .long, help: "The mailbox address; also the login name.")
    var email: String

    @Option(name: .long, help: ArgumentHelp("Incoming server (required for custom; overrides a preset).", valueName: "host:port[:tls|starttls]"))
    var imap: String?

    @Option(name: .long, help: ArgumentHelp("Outgoing server (required for custom; overrides a preset).", valueName: "host:port[:tls|starttls]"))
    var smtp: String?

    @Option(name: .customLong("daily-download-mb"), help: ArgumentHelp(
        "Download budget per UTC day, in MB (default: the provider's, 2500 for Gmail and custom servers).", valueName: "MB"))
    var dailyDownloadMB: Int64?

    @Option(name: .customLong("daily-upload-mb"), help: ArgumentHelp(
        "Upload budget per UTC day, in MB (default: the provider's, 500 for Gmail and custom servers).", valueName: "MB"))
    var dailyUploadMB: Int64?

    @Flag(name: .long, help: "Generate a random password and print it once instead of reading one.")
    var generate = false

    @Flag(name: .long, help: "Log in over IMAP and SMTP with the password first; store it only if both work.")
    var verify = false

    @OptionGroup var mail: MailOptions

    func run() throws {
        try reportingErrors {
            var spec = try AccountSpec(name: name, email: email, provider: provider,
                                       imap: imap.map(ServerEndpoint.init(parsing:)),
                                       smtp: smtp.map(ServerEndpoint.init(parsing:)))
            if let megabytes = dailyDownloadMB { spec.dailyDownloadLimitBytes = try Self.budget(megabytes, "--daily-download-mb") }
            if let megabytes = dailyUploadMB { spec.dailyUploadLimitBytes = try Self.budget(megabytes, "--daily-upload-mb") }
            if generate && verify {
                throw VaultError.invalidInput("--verify checks a password the server already knows; it cannot go with --generate")
            }
            let vault = try options.openUnlocked()
            if generate {
                let generated = try vault.addAccount(spec)
                let record = generated.record
                Output.notice("Generated app password for \(record.name), shown once; set it at your server now:")
                generated.reveal { Output.writeSecret($0) }
                Output.notice(AccountLine.stored(record))
            } else {
                let secret = try AppPassword.normalise(
                    SecretInput.appPassword(prompt: "App password for \(spec.email): "),
                    sixteenLetters: ProviderPreset.named(spec.provider)?.usesSixteenLetterAppPasswords ?? false)
                if verify {
                    try PasswordProbe.check(secret, account: spec.name, username: spec.email,
                                            imap: spec.imap, smtp: spec.smtp, mail: mail)
                }
                let record = try vault.addAccount(spec, secret: secret)
                Output.line(AccountLine.stored(record))
            }
        }
    }
}

extension Add {
    /// A daily budget of `megabytes` MB (10^6 bytes, as providers count), 1 MB to 1 PB.
    static func budget(_ megabytes: Int64, _ flag: String) throws(VaultError) -> Int64 {
        guard (1...1_000_000_000).contains(megabytes) else {
            throw .invalidInput("\(flag) must be a whole number of MB from 1 to 1000000000")
        }
        return megabytes * 1_000_000
    }
}

/// One-line descriptions of an account after a change.
enum AccountLine {
    static func stored(_ record: AccountRecord) -> String {
        "Stored \(record.name) (\(record.provider), \(record.email)): generation \(record.generation), fingerprint \(record.fingerprint ?? "-")"
    }
}
