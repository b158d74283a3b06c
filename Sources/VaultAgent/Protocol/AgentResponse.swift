public import AppVault
public import VaultCrypto

/// What the agent reports in ``AgentResponse/status(_:)``.
public struct AgentStatus: Sendable, Equatable, Codable {
    /// Whether the vault's keys are in memory.
    public var unlocked: Bool
    /// The agent's process id.
    public var pid: UInt32
    /// Seconds without requests after which the agent locks the vault (0: never).
    public var idleLockSeconds: UInt32
    /// The id of the vault the agent serves (32 hex digits): a client checks it is the vault it
    /// was pointed at before using the agent.
    public var vaultID: String
    /// Proxied sessions alive now.
    public var liveSessions: UInt32
    /// The agent's IMAP endpoint socket (empty when it serves none).
    public var imapSocket: String
    /// The agent's SMTP endpoint socket (empty when it serves none).
    public var smtpSocket: String

    /// Creates a status report.
    public init(unlocked: Bool, pid: UInt32, idleLockSeconds: UInt32, vaultID: String, liveSessions: UInt32,
                imapSocket: String, smtpSocket: String) {
        self.unlocked = unlocked
        self.pid = pid
        self.idleLockSeconds = idleLockSeconds
        self.vaultID = vaultID
        self.liveSessions = liveSessions
        self.imapSocket = imapSocket
        self.smtpSocket = smtpSocket
    }
}

/// One account as `list-accounts` reports it: its settings and today's traffic.
public struct AccountSummary: Sendable, Equatable, Codable {
    /// The account's metadata (never its password).
    public var record: AccountRecord
    /// Today's traffic, when the account is not revoked.
    public var traffic: TrafficUsage?

    /// Pairs a record with its traffic.
    public init(record: AccountRecord, traffic: TrafficUsage?) {
        self.record = record
        self.traffic = traffic
    }
}

/// One page of a list reply: `total` items in all pages, this page's `items` from the requested offset.
public struct Page<Item: Sendable & Equatable>: Sendable, Equatable {
    /// The number of items in all pages.
    public var total: UInt32
    /// The items of this page.
    public var items: [Item]

    /// Creates a page.
    public init(total: UInt32, items: [Item]) {
        self.total = total
        self.items = items
    }
}

/// The agent's answer to one request.
public enum AgentResponse: ~Copyable {
    /// The answer to `status`.
    case status(AgentStatus)
    /// The request succeeded and has nothing to return (`unlock`, `lock`, `revoke-lease`, `revoke-token`).
    case done
    /// The lease renewed.
    case lease(Lease)
    /// A page of live leases.
    case leases(Page<Lease>)
    /// A login lease and its password (a local credential, shown once).
    case login(IssuedCredential<Lease>)
    /// A page of accounts.
    case accounts(Page<AccountSummary>)
    /// A new client token and its text (shown once).
    case token(IssuedCredential<ClientToken>)
    /// A page of client tokens.
    case tokens(Page<ClientToken>)
    /// The fetch state asked for; nil before the first `fetch --new` of that mailbox.
    case fetchState(FetchState?)
    /// The request failed; nothing changed.
    case failure(AgentFailure)

    /// The error code when this is a failure.
    public var failureCode: AgentErrorCode? {
        switch self {
        case .failure(let failure): failure.code
        default: nil
        }
    }
}

/// A local credential the agent issued (a login lease's password, a client token's text),
/// shown once, with what it belongs to. The text is in guarded memory.
public struct IssuedCredential<Subject: Sendable>: ~Copyable {
    /// The lease or token the credential logs in as.
    public var subject: Subject
    /// The credential's text (`avl-...`, `avt-...`).
    public var text: SecureBytes

    /// Pairs a subject with its credential.
    public init(subject: Subject, text: consuming SecureBytes) {
        self.subject = subject
        self.text = text
    }
}

/// An error reply: a stable code and a message for people. Never holds a secret.
public struct AgentFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public var code: AgentErrorCode
    /// What happened and what to do.
    public var message: String

    /// Creates an error reply.
    public init(code: AgentErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A response with the id of the request it answers.
public struct ResponseFrame: ~Copyable {
    /// The request id, or 0 when the request could not be read.
    public var id: UInt32
    /// The answer.
    public var response: AgentResponse

    /// Pairs a response with its request id.
    public init(id: UInt32, response: consuming AgentResponse) {
        self.id = id
        self.response = response
    }
}
