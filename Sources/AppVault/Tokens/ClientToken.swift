public import Foundation

/// A client token: a local credential for the agent's IMAP/SMTP endpoints, scoped to one
/// account and its protocols. Never holds the token itself (only its keyed hash is stored).
public struct ClientToken: Sendable, Codable, Equatable {
    /// The token's public id (16 hex digits), also part of the token text.
    public var id: String
    /// Who uses it ("finance-app"), for listings and the audit log.
    public var client: String
    /// The account it logs in to.
    public var account: String
    /// The protocols it may be used for.
    public var protocols: [MailProtocol]
    /// When it was made.
    public var createdAt: Date
    /// When it was last used to log in, if ever.
    public var lastUsedAt: Date?
    /// When it stops working, if it expires.
    public var expiresAt: Date?

    /// Creates a token description (the vault makes them; clients decode them from the agent).
    public init(id: String, client: String, account: String, protocols: [MailProtocol], createdAt: Date,
                lastUsedAt: Date?, expiresAt: Date?) {
        self.id = id
        self.client = client
        self.account = account
        self.protocols = protocols
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}

/// A new client token with its text, shown once.
public struct NewClientToken: ~Copyable {
    /// The stored token's description.
    public let token: ClientToken
    private let text: RevealedSecret

    init(token: ClientToken, text: consuming RevealedSecret) {
        self.token = token
        self.text = text
    }

    /// Calls `body` once with the token text (`avt-...`), then destroys it (view once).
    public consuming func reveal<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try text.reveal(body)
    }
}
