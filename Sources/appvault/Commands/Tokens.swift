import AppVault
import ArgumentParser
import Foundation
import VaultAgent

/// `appvault token`: client tokens for the agent's local endpoints.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke client tokens: what mail clients log in to the agent's endpoints with.",
        discussion: """
            A client (a finance app, Thunderbird, a cron job) logs in to the agent's IMAP or SMTP \
            endpoint with user = the account's name and password = its token. The token is random \
            (128 bits), shown once, stored only as a keyed hash, scoped to one account and its \
            protocols, and useless anywhere but this host's agent; the app password never leaves \
            the agent. Rotating the app password changes no token; revoking a token ends the \
            sessions it opened at once.
            """,
        subcommands: [TokenAdd.self, TokenList.self, TokenRevoke.self])
}

/// `appvault token add ACCOUNT --client NAME [--protocol imap|smtp|both] [--expires 90d]`.
struct TokenAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Make a client token for an account and print it once (on standard output).")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Argument(help: "The account the token logs in to.")
    var account: String

    @Option(name: .long, help: "Who uses the token (shown by `token list` and in the audit log).")
    var client: String

    @Option(name: .long, help: "imap, smtp or both.")
    var `protocol`: TokenProtocols = .both

    @Option(name: .long, help: ArgumentHelp("How long the token works (90d, 12h, 30m); default: until revoked.", valueName: "duration"))
    var expires: String?

    @Flag(name: .long, help: "Print JSON (the token's description and the token).")
    var json = false

    func run() throws {
        try reportingErrors {
            let lifetime = try expires.map { (text) throws(VaultError) -> Duration in
                let parsed: Duration?
                do throws(DurationTextError) { parsed = try DurationText.parse(text) } catch { throw .invalidInput(error.description) }
                guard let parsed else { throw .invalidInput("--expires must be a duration such as 90d (or leave it out: no expiry)") }
                return parsed
            }
            switch try VaultAccess.open(options, socket: socket) {
            case .agent(let client, _):
                try client.addToken(account: account, client: self.client, protocols: `protocol`.set, expiresIn: lifetime) { token, text in
                    try text.withUnsafeBytes { try show(token, text: $0) }
                }
            case .local(let vault):
                let created = try vault.addToken(account: account, client: client, protocols: `protocol`.set, expiresIn: lifetime)
                let token = created.token
                try created.reveal { try show(token, text: $0) }
            }
        }
    }

    private func show(_ token: ClientToken, text: UnsafeRawBufferPointer) throws {
        if json { return try Output.jsonWithSecret(token, secretKey: "token", secret: text) }
        Output.notice("token \(token.id) for \(Output.safe(token.client)): logs in to \(token.account) over \(token.protocols.map(\.description).joined(separator: " and ")), \(token.expiresAt.map { "until \(Output.date($0))" } ?? "until revoked"). Shown once; user \(token.account), password:")
        Output.writeSecret(text)
    }
}

/// `appvault token list [--json]`.
struct TokenList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List client tokens: id, client, account, protocols, created, last used, expires. Never a token.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let tokens: [ClientToken]
            switch try VaultAccess.open(options, socket: socket) {
            case .agent(let client, _): tokens = try client.tokens()
            case .local(let vault): tokens = try vault.tokens()
            }
            if json { return try Output.json(tokens) }
            if tokens.isEmpty { return Output.line("No client tokens. Make one with `appvault token add ACCOUNT --client NAME`.") }
            Output.table(["ID", "CLIENT", "ACCOUNT", "PROTOCOLS", "CREATED", "LAST USED", "EXPIRES"], tokens.map {
                [$0.id, $0.client, $0.account, $0.protocols.map(\.rawValue).joined(separator: "+"), Output.date($0.createdAt),
                 Output.date($0.lastUsedAt), $0.expiresAt.map { Output.date($0) } ?? "never"]
            })
        }
    }
}

/// `appvault token revoke ID`.
struct TokenRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Delete a client token; sessions it opened end within a second.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Argument(help: "The token's id (see `appvault token list`).")
    var id: String

    func run() throws {
        try reportingErrors {
            switch try VaultAccess.open(options, socket: socket) {
            case .agent(let client, _): try client.revokeToken(id: id)
            case .local(let vault): try vault.revokeToken(id: id)
            }
            Output.line("token \(id) revoked; the sessions it opened are ending")
        }
    }
}

/// `--protocol` values of a token.
enum TokenProtocols: String, ExpressibleByArgument, CaseIterable {
    case imap, smtp, both

    var set: Set<MailProtocol> {
        switch self {
        case .imap: [.imap]
        case .smtp: [.smtp]
        case .both: [.imap, .smtp]
        }
    }
}
