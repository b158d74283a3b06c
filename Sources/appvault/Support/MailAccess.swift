import AppVault
import Glibc
import MailConnectors
import VaultAgent
import VaultCrypto

/// The one way the mail commands (`verify`, `inbox`, `fetch`, `send`, `check`) reach a mailbox.
///
/// - Through the agent, when one runs, is this user's, serves this vault and is unlocked: no
///   passphrase is asked. Each session gets a one-session login lease (`grant-login`) and logs in
///   to the agent's IMAP or SMTP endpoint (`imap.sock`, `smtp.sock`) with it; the agent logs in
///   upstream, meters and audits. The app password never enters this process.
/// - In this process otherwise: the vault is unlocked here (passphrase or key file) and
///   ``MailSession`` logs in with a lease whose secret the connector reads for the moment of
///   login; traffic is metered against the vault.
///
/// When the agent serving this vault is locked, the vault is unlocked here if a passphrase (or
/// key file) is at hand, and the command fails with ``MailAccessError/agentLocked(socket:reason:)``
/// (exit 9) if none is.
enum MailAccess {
    case agent(AgentClient, AgentStatus)
    case local(Vault)

    /// A logged-in session and where it went.
    struct Session<Client> {
        /// The IMAP or SMTP client.
        let client: Client
        /// The mail server the session reaches (through the agent or directly).
        let endpoint: ServerEndpoint
        /// The login name at that server (the account's address).
        let username: String
    }

    /// Picks the agent when it can serve, else unlocks the vault here.
    static func open(_ options: VaultOptions, socket: AgentSocketOptions) throws -> MailAccess {
        let vault = try options.openLocked()
        guard let (client, status) = try socket.servingAgent(vault) else {
            try vault.unlock(with: options.credential(for: vault.credentialKind()))
            return .local(vault)
        }
        if status.unlocked && !status.imapSocket.isEmpty && !status.smtpSocket.isEmpty { return .agent(client, status) }
        if status.unlocked {
            Output.notice("appvault: the agent on \(socket.path) serves no mail endpoints; unlocking the vault here")
        }
        let credential: MasterCredential
        do {
            credential = try options.credential(for: vault.credentialKind())
        } catch {
            if status.unlocked { throw error }
            throw MailAccessError.agentLocked(socket: socket.path, reason: error.description)
        }
        try vault.unlock(with: credential)
        return .local(vault)
    }

    /// Whether sessions go through the agent.
    var throughAgent: Bool {
        if case .agent = self { return true }
        return false
    }

    /// An IMAP session for `account`.
    func imap(_ account: String, mail: MailOptions) throws -> Session<IMAPClient> {
        try session(account, .imap, mail: mail, agent: { endpoint, credential, options in
            try MailSession.imap(local: endpoint, account: account, credential: credential, options: options, logger: CLILogging.logger)
        }, inProcess: { vault, options in
            try MailSession.imap(account: account, vault: vault, options: options, holder: VaultOptions.actor, logger: CLILogging.logger)
        })
    }

    /// An SMTP session for `account`.
    func smtp(_ account: String, mail: MailOptions) throws -> Session<SMTPClient> {
        try session(account, .smtp, mail: mail, agent: { endpoint, credential, options in
            try MailSession.smtp(local: endpoint, account: account, credential: credential, options: options, logger: CLILogging.logger)
        }, inProcess: { vault, options in
            try MailSession.smtp(account: account, vault: vault, options: options, holder: VaultOptions.actor, logger: CLILogging.logger)
        })
    }

    /// A session over `protocol`: through the agent's endpoint with a new login lease (the agent
    /// meters), or in this process (the vault meters).
    private func session<Client>(
        _ account: String, _ proto: MailProtocol, mail: MailOptions,
        agent: (LocalEndpoint, consuming SecureBytes, ConnectionOptions) throws -> Client,
        inProcess: (Vault, ConnectionOptions) throws -> Client
    ) throws -> Session<Client> {
        switch self {
        case .agent(let client, let status):
            let options = try mail.connection(budget: nil)
            let socket = proto == .imap ? status.imapSocket : status.smtpSocket
            return try client.grantLogin(account: account, for: proto) { lease, password in
                let opened = try agent(.unixSocket(path: socket, owner: client.agentUID), try Self.copy(password), options)
                return Session(client: opened, endpoint: lease.endpoint, username: lease.username)
            }
        case .local(let vault):
            let record = try vault.account(named: account)
            let opened = try inProcess(vault, try mail.connection(budget: vault))
            return Session(client: opened, endpoint: record.endpoint(for: proto), username: record.email)
        }
    }

    /// Every account (metadata only).
    func accounts() throws -> [AccountRecord] {
        switch self {
        case .agent(let client, _): try client.accounts().map(\.record)
        case .local(let vault): try vault.accounts()
        }
    }

    /// What earlier `fetch --new` runs fetched from `mailbox` of `account`.
    func fetchState(account: String, mailbox: String) throws -> FetchState? {
        switch self {
        case .agent(let client, _): try client.fetchState(account: account, mailbox: mailbox)
        case .local(let vault): try vault.fetchState(account: account, mailbox: mailbox)
        }
    }

    /// Records what `fetch --new` has saved from `mailbox` of `account`.
    func setFetchState(_ state: FetchState, account: String, mailbox: String) throws {
        switch self {
        case .agent(let client, _): try client.setFetchState(uidValidity: state.uidValidity, lastUID: state.lastUID,
                                                             account: account, mailbox: mailbox)
        case .local(let vault): try vault.setFetchState(state, account: account, mailbox: mailbox)
        }
    }

    /// A copy of a lease password in guarded memory, for a session that consumes it.
    private static func copy(_ secret: borrowing SecureBytes) throws(VaultError) -> SecureBytes {
        do { return try secret.slice(0..<secret.count) } catch { throw .crypto(error.description) }
    }
}
