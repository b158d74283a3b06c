public import AppVault
public import VaultCrypto

/// What a client asks the agent to do. One request gets exactly one reply.
///
/// No request returns an app password (DESIGN.md rule 1): clients get sessions, through the
/// agent's IMAP and SMTP endpoints, with a credential of their own.
public enum AgentRequest: ~Copyable {
    /// Whether the agent runs, whether its vault is unlocked, and which vault it serves.
    case status
    /// Unlocks the vault with a passphrase (held in guarded memory, wiped after use).
    case unlock(SecureBytes)
    /// Unlocks a key-file vault with the key file's contents (guarded memory, wiped after use).
    case unlockWithKeyFile(SecureBytes)
    /// Locks the vault: its keys are zeroed and every proxied session ends.
    case lock
    /// Grants a one-session login lease on `account` for `protocol` and returns its password
    /// (a local credential for the endpoints, never the app password); `ttlSeconds` 0 means 60 s.
    case grantLogin(account: String, protocol: MailProtocol, ttlSeconds: UInt32)
    /// Extends a lease; `ttlSeconds` 0 means the vault's default.
    case renew(leaseID: String, ttlSeconds: UInt32)
    /// Ends a lease now (and the session it holds).
    case revokeLease(leaseID: String)
    /// Lists live leases from position `offset`; one reply holds as many as fit in a frame.
    case listLeases(offset: UInt32)
    /// Lists accounts (settings and today's traffic, never a secret) from position `offset`.
    case listAccounts(offset: UInt32)
    /// Makes a client token for `account` and returns its text once.
    case addToken(account: String, client: String, protocols: Set<MailProtocol>, expiresSeconds: UInt32)
    /// Lists client tokens (never their texts) from position `offset`.
    case listTokens(offset: UInt32)
    /// Deletes a client token; the sessions it opened end.
    case revokeToken(id: String)
    /// What `appvault fetch --new` has fetched from `mailbox` of `account` (nil before the first run).
    case getFetchState(account: String, mailbox: String)
    /// Records that `fetch --new` saved everything of `mailbox` of `account` up to UID `lastUID`
    /// under `uidValidity` (the agent stamps the time).
    case setFetchState(account: String, mailbox: String, uidValidity: UInt32, lastUID: UInt32)

    /// The request's name as written in `docs/agent-protocol.md` and in audit lines.
    public var name: String {
        switch self {
        case .status: "status"
        case .unlock: "unlock"
        case .unlockWithKeyFile: "unlock"
        case .lock: "lock"
        case .grantLogin: "grant-login"
        case .renew: "renew"
        case .revokeLease: "revoke-lease"
        case .listLeases: "list-leases"
        case .listAccounts: "list-accounts"
        case .addToken: "add-token"
        case .listTokens: "list-tokens"
        case .revokeToken: "revoke-token"
        case .getFetchState: "get-fetch-state"
        case .setFetchState: "set-fetch-state"
        }
    }
}

/// A request with the id its reply will carry.
public struct RequestFrame: ~Copyable {
    /// Chosen by the client and echoed in the reply.
    public var id: UInt32
    /// What is asked.
    public var request: AgentRequest

    /// Pairs a request with its id.
    public init(id: UInt32, request: consuming AgentRequest) {
        self.id = id
        self.request = request
    }
}
