import AppVault
import ArgumentParser
import MailConnectors

/// `appvault check`: find passwords the provider no longer accepts.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Probe accounts with an IMAP login; mark those whose password no longer works as dead.",
        discussion: """
            Google revokes every app password when the account's own password changes. check finds \
            such accounts before the next sync fails: a login the provider rejects marks the account \
            dead (shown by list) and the command exits 17; a working one marks it active again. A \
            temporary refusal (throttling such as Gmail's [UNAVAILABLE], too many connections), \
            network and TLS failures say "not checked" and mark nothing (exit 13). Through a \
            running, unlocked agent no passphrase is needed: the agent marks the account itself.
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "One account; default: every account that is not revoked.")
    var name: String?

    func run() throws {
        try reportingErrors {
            let access = try MailAccess.open(options, socket: socket)
            let all = try access.accounts()
            let accounts = try name.map { name throws(VaultError) in
                guard let account = all.first(where: { $0.name == name }) else { throw .noSuchAccount(name) }
                return [account]
            } ?? all
            var dead: [String] = []
            var unchecked: (any Error)?
            for account in accounts where account.status != .revoked {
                let outcome = probe(account, access)
                switch outcome {
                case .worked:
                    Output.line("\(account.name): OK")
                case .rejected(let text):
                    Output.line("\(account.name): DEAD: the server rejected the password (\(text)); rotate it")
                    dead.append(account.name)
                case .notChecked(let error):
                    Output.line("\(account.name): not checked: \(error)")
                    unchecked = unchecked ?? error
                }
            }
            if !dead.isEmpty { throw DeadAccounts(names: dead) }
            if let unchecked { throw unchecked }
        }
    }

    /// What one probe found.
    private enum Outcome {
        case worked
        case rejected(String)
        case notChecked(any Error)
    }

    /// Logs in once; in-process, records the verdict in the vault (the agent records its own).
    private func probe(_ account: AccountRecord, _ access: MailAccess) -> Outcome {
        do {
            let session = try access.imap(account.name, mail: mail)
            try session.client.logout()
            if case .local(let vault) = access {
                try vault.recordCheck(account: account.name, passwordWorks: true, detail: "IMAP login to \(account.imap)")
            }
            return .worked
        } catch let error as ConnectorError {
            switch error {
            case .authenticationFailed:
                guard case .passwordRejected(let text) = LoginFailure.classify(error) else { return .notChecked(error) }
                guard case .local(let vault) = access else { return .rejected(text) }
                do {
                    try vault.recordCheck(account: account.name, passwordWorks: false, detail: "IMAP login rejected")
                } catch {
                    return .notChecked(error)
                }
                return .rejected(text)
            case .localCredentialRefused(let text) where EndpointRefusal.status(ofRefusal: text) == .loginRejected:
                // The agent's upstream login was rejected; its session authority marked the account dead.
                return .rejected(text)
            default:
                return .notChecked(error)
            }
        } catch {
            return .notChecked(error)
        }
    }
}

/// `check` found accounts whose password no longer works.
struct DeadAccounts: ReportableError {
    let names: [String]
    var exitCode: Int32 { ExitStatus.deadAccounts.rawValue }
    var description: String { "password rejected, account marked dead: \(names.joined(separator: ", ")); rotate with `appvault rotate NAME`" }
}
