public import AppVault
public import VaultCrypto

/// What a client asks the agent to do. One request gets exactly one reply.
public enum AgentRequest: ~Copyable {
    /// Whether the agent runs and whether its vault is unlocked.
    case status
    /// Unlocks the vault with a passphrase (held in guarded memory, wiped after use).
    case unlock(SecureBytes)
    /// Unlocks a key-file vault with the key file's contents (guarded memory, wiped after use).
    case unlockWithKeyFile(SecureBytes)
    /// Locks the vault: its keys are zeroed.
    case lock
    /// Grants a lease on `account` for `protocol`; `ttlSeconds` 0 means the vault's default.
    case lease(account: String, protocol: MailProtocol, ttlSeconds: UInt32, uses: UInt32)
    /// Spends one use of `lease` for `protocol` and returns its secret. The lease is sent
    /// whole; the vault checks it against its stored record.
    case redeem(lease: Lease, protocol: MailProtocol)
    /// Extends a lease; `ttlSeconds` 0 means the vault's default.
    case renew(leaseID: String, ttlSeconds: UInt32)
    /// Ends a lease now.
    case revokeLease(leaseID: String)
    /// Lists live leases from position `offset`; one reply holds as many as fit in a frame.
    case listLeases(offset: UInt32)

    /// The request's name as written in `docs/agent-protocol.md` and in audit lines.
    public var name: String {
        switch self {
        case .status: "status"
        case .unlock: "unlock"
        case .unlockWithKeyFile: "unlock"
        case .lock: "lock"
        case .lease: "lease"
        case .redeem: "redeem"
        case .renew: "renew"
        case .revokeLease: "revoke-lease"
        case .listLeases: "list-leases"
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
