public import Foundation
package import VaultCrypto

/// What a lease is for.
public enum LeaseKind: String, Sendable, Codable, CaseIterable {
    /// An in-process connector's login (`appvault verify` without an agent, an embedding app).
    case connector
    /// A one-session login for the agent's local endpoints (`appvault lease grant`): its
    /// password is shown once; the first login spends it and it then holds that session.
    case login
    /// A session proxied by the agent, held for the session's lifetime and renewed while it lives.
    case session
}

/// A short-lived, narrow permission to use one account's app password for one protocol.
///
/// A lease carries no secret. Its secret is read once per use through a ``LeaseRedeemer``,
/// which only this package's connectors can call.
public struct Lease: Sendable, Codable, Equatable {
    /// The lease's public handle (16 hex digits), shown by `appvault leases`.
    public var id: String
    /// The account's name.
    public var account: String
    /// IMAP or SMTP.
    public var `protocol`: MailProtocol
    /// What the lease is for.
    public var kind: LeaseKind
    /// The account generation the lease was granted for; rotate and revoke bump it.
    public var generation: Int64
    /// The server this lease may be used against.
    public var endpoint: ServerEndpoint
    /// The user name to authenticate as (the mailbox address).
    public var username: String
    /// When the lease was granted.
    public var grantedAt: Date
    /// When it stops working unless renewed.
    public var expiresAt: Date
    /// The latest time renewals may extend it to.
    public var maximumExpiresAt: Date
    /// Uses left before it is spent (a session's upstream login is its one use).
    public var usesLeft: Int
    /// Who asked for it (`uid 1000 pid 4242 /usr/bin/appvault`, or `in-process`).
    public var holder: String
    /// For a session: the client token's client name, or nil for a login lease.
    public var client: String?
    /// For a session opened with a client token: the token's id.
    public var tokenID: String?

    /// Creates a lease description (normally done by the vault).
    public init(id: String, account: String, protocol: MailProtocol, kind: LeaseKind = .connector, generation: Int64,
                endpoint: ServerEndpoint, username: String, grantedAt: Date, expiresAt: Date,
                maximumExpiresAt: Date, usesLeft: Int, holder: String, client: String? = nil, tokenID: String? = nil) {
        self.id = id
        self.account = account
        self.protocol = `protocol`
        self.kind = kind
        self.generation = generation
        self.endpoint = endpoint
        self.username = username
        self.grantedAt = grantedAt
        self.expiresAt = expiresAt
        self.maximumExpiresAt = maximumExpiresAt
        self.usesLeft = usesLeft
        self.holder = holder
        self.client = client
        self.tokenID = tokenID
    }
}

/// Hands a lease's secret to a connector for the length of one closure call.
///
/// Each call spends one use of the lease, is checked against expiry, revocation and the
/// account's generation, and is recorded in the audit log. The secret lives in guarded
/// memory that is zeroed when the closure returns. Only this package may call it
/// (DESIGN.md rule 1): the in-process ``Vault`` implements it; the agent uses it for the
/// sessions it proxies and never sends a secret to another process.
package protocol LeaseRedeemer: Sendable {
    /// Spends one use of `lease` for `protocol` and calls `body` with its secret.
    func redeem<Result>(
        _ lease: Lease, for protocol: MailProtocol,
        _ body: (borrowing SecureBytes) throws -> Result
    ) throws -> Result
}
