public import Foundation

/// Whether an account's password can be leased.
public enum AccountStatus: String, Sendable, Codable {
    /// The password is stored and can be leased.
    case active
    /// A login probe (`appvault check`) found the password no longer works; rotate it.
    case dead
    /// The password was destroyed; only this tombstone remains.
    case revoked
}

/// What a person gives to store a new account.
public struct AccountSpec: Sendable, Equatable {
    /// A short unique name (`work-gmail`): letters, digits, `.`, `_` and `-`, at most 64.
    public var name: String
    /// The mailbox address, also the IMAP and SMTP user name.
    public var email: String
    /// A preset id (`gmail`) or `custom`.
    public var provider: String
    /// The incoming server.
    public var imap: ServerEndpoint
    /// The outgoing server.
    public var smtp: ServerEndpoint
    /// Download budget per UTC day.
    public var dailyDownloadLimitBytes: Int64
    /// Upload budget per UTC day.
    public var dailyUploadLimitBytes: Int64

    /// Builds a spec from a provider preset, or from custom servers when `provider` is `custom`.
    /// Explicit `imap` and `smtp` override a preset's servers.
    public init(name: String, email: String, provider: String,
                imap: ServerEndpoint? = nil, smtp: ServerEndpoint? = nil) throws(VaultError) {
        try AccountNames.validate(name)
        try AccountNames.validateEmail(email)
        let providerID = provider.lowercased()
        if providerID == "custom" {
            guard let imap, let smtp else {
                throw .invalidInput("a custom provider needs both --imap HOST:PORT[:tls|starttls] and --smtp HOST:PORT[:tls|starttls]")
            }
            self.imap = imap
            self.smtp = smtp
            dailyDownloadLimitBytes = ProviderPreset.customDownloadLimitBytes
            dailyUploadLimitBytes = ProviderPreset.customUploadLimitBytes
        } else {
            guard let preset = ProviderPreset.named(providerID) else {
                let known = (ProviderPreset.builtIn.map(\.id) + ["custom"]).joined(separator: ", ")
                throw .invalidInput("unknown provider '\(provider.prefix(40))'; use one of: \(known)")
            }
            self.imap = imap ?? preset.imap
            self.smtp = smtp ?? preset.smtp
            dailyDownloadLimitBytes = preset.dailyDownloadLimitBytes
            dailyUploadLimitBytes = preset.dailyUploadLimitBytes
        }
        self.name = name
        self.email = email
        self.provider = providerID
    }

    /// The server used for `protocol`.
    public func endpoint(for protocol: MailProtocol) -> ServerEndpoint {
        `protocol` == .imap ? imap : smtp
    }
}

/// An account's metadata as stored: never its secret.
public struct AccountRecord: Sendable, Codable, Equatable {
    /// The account's random id (32 hex digits), fixed for its life; the key that seals its
    /// password is derived from it.
    public var id: String
    /// The settings the account was stored with.
    public var name: String
    /// The mailbox address and user name.
    public var email: String
    /// Preset id or `custom`.
    public var provider: String
    /// Incoming server.
    public var imap: ServerEndpoint
    /// Outgoing server.
    public var smtp: ServerEndpoint
    /// Download budget per UTC day.
    public var dailyDownloadLimitBytes: Int64
    /// Upload budget per UTC day.
    public var dailyUploadLimitBytes: Int64
    /// Active, dead (failed a login probe) or revoked.
    public var status: AccountStatus
    /// Bumped by every rotate and revoke; leases of older generations fail.
    public var generation: Int64
    /// Keyed, non-reversible fingerprint of the current secret; nil once revoked.
    public var fingerprint: String?
    /// When the account was stored.
    public var createdAt: Date
    /// When the secret was last replaced.
    public var rotatedAt: Date?
    /// When the secret was destroyed.
    public var revokedAt: Date?
    /// When a login probe last ran.
    public var checkedAt: Date?

    /// Creates a record (the vault makes them; clients decode them from the agent).
    public init(id: String, name: String, email: String, provider: String, imap: ServerEndpoint, smtp: ServerEndpoint,
                dailyDownloadLimitBytes: Int64, dailyUploadLimitBytes: Int64, status: AccountStatus, generation: Int64,
                fingerprint: String?, createdAt: Date, rotatedAt: Date? = nil, revokedAt: Date? = nil, checkedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.provider = provider
        self.imap = imap
        self.smtp = smtp
        self.dailyDownloadLimitBytes = dailyDownloadLimitBytes
        self.dailyUploadLimitBytes = dailyUploadLimitBytes
        self.status = status
        self.generation = generation
        self.fingerprint = fingerprint
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
        self.checkedAt = checkedAt
    }

    /// The server used for `protocol`.
    public func endpoint(for protocol: MailProtocol) -> ServerEndpoint {
        `protocol` == .imap ? imap : smtp
    }
}
