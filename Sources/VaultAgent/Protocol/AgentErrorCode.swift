public import AppVault

/// The stable numeric codes of error replies (`docs/agent-protocol.md` lists them).
///
/// Codes 1-99 are the agent's own; codes from 100 mirror ``VaultError`` cases.
public enum AgentErrorCode: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// The frame could not be read; the agent closes the connection.
    case malformedFrame = 1
    /// The frame announced more than 64 KiB; the agent closes the connection.
    case frameTooLarge = 2
    /// The frame's protocol version is not spoken here; the agent closes the connection.
    case unsupportedVersion = 3
    /// The message type is unknown; the agent closes the connection.
    case unknownRequest = 4
    /// The agent's policy does not allow this peer this request.
    case denied = 5
    /// The agent serves its maximum number of connections; retry shortly.
    case tooManyConnections = 6
    /// The client was too slow to send a whole frame; the agent closes the connection.
    case timeout = 7
    /// The agent failed in a way that is not the client's fault; its log says more.
    case internalError = 8
    /// Too many failed unlocks: the agent waits before it runs Argon2id again. Retry later.
    case unlockBackoff = 9

    /// The vault refused: ``VaultError/wrongCredential``.
    case wrongCredential = 100
    /// The vault refused: ``VaultError/noSuchAccount``.
    case noSuchAccount = 101
    /// The vault refused: ``VaultError/accountExists``.
    case accountExists = 102
    /// The vault refused: ``VaultError/accountRevoked``.
    case accountRevoked = 103
    /// The vault refused: ``VaultError/invalidInput``.
    case invalidInput = 104
    /// The vault refused: ``VaultError/tampered``.
    case tampered = 105
    /// The vault refused: ``VaultError/unsupportedFormat``.
    case unsupportedFormat = 106
    /// The vault refused: ``VaultError/insecurePermissions``.
    case insecurePermissions = 107
    /// The vault refused: ``VaultError/vaultNotFound``.
    case vaultNotFound = 108
    /// The vault refused: ``VaultError/vaultExists``.
    case vaultExists = 109
    /// The vault refused: ``VaultError/busy``.
    case busy = 110
    /// The vault refused: ``VaultError/locked``.
    case locked = 111
    /// The vault refused: ``VaultError/leaseExpired``.
    case leaseExpired = 112
    /// The vault refused: ``VaultError/leaseUsedUp``.
    case leaseUsedUp = 113
    /// The vault refused: ``VaultError/leaseRevoked``.
    case leaseRevoked = 114
    /// The vault refused: ``VaultError/leaseStale``.
    case leaseStale = 115
    /// The vault refused: ``VaultError/leaseWrongProtocol``.
    case leaseWrongProtocol = 116
    /// The vault refused: ``VaultError/noSuchLease``.
    case noSuchLease = 117
    /// The vault refused: ``VaultError/leaseLimitReached``.
    case leaseLimitReached = 118
    /// The vault refused: ``VaultError/leaseRenewalLimit``.
    case leaseRenewalLimit = 119
    /// The vault refused: ``VaultError/trafficLimit``.
    case trafficLimit = 120
    /// The vault refused: ``VaultError/io``.
    case io = 121
    /// The vault refused: ``VaultError/storage``.
    case storage = 122
    /// The vault refused: ``VaultError/crypto``.
    case crypto = 123
    /// The vault refused: ``VaultError/credentialRejected``.
    case credentialRejected = 124
    /// The vault refused: ``VaultError/tokenExpired``.
    case tokenExpired = 125
    /// The vault refused: ``VaultError/noSuchToken``.
    case noSuchToken = 126
    /// The vault refused: ``VaultError/tooManySessions``.
    case tooManySessions = 127
    /// The vault refused: ``VaultError/accountDead``.
    case accountDead = 128
    /// The vault refused: ``VaultError/storeUnreachable``.
    case storeUnreachable = 129

    /// The code for a vault error.
    public init(_ error: VaultError) {
        self = switch error {
        case .wrongCredential: .wrongCredential
        case .noSuchAccount: .noSuchAccount
        case .accountExists: .accountExists
        case .accountRevoked: .accountRevoked
        case .invalidInput: .invalidInput
        case .tampered: .tampered
        case .unsupportedFormat: .unsupportedFormat
        case .insecurePermissions: .insecurePermissions
        case .vaultNotFound: .vaultNotFound
        case .vaultExists: .vaultExists
        case .busy: .busy
        case .locked: .locked
        case .leaseExpired: .leaseExpired
        case .leaseUsedUp: .leaseUsedUp
        case .leaseRevoked: .leaseRevoked
        case .leaseStale: .leaseStale
        case .leaseWrongProtocol: .leaseWrongProtocol
        case .noSuchLease: .noSuchLease
        case .leaseLimitReached: .leaseLimitReached
        case .leaseRenewalLimit: .leaseRenewalLimit
        case .trafficLimit: .trafficLimit
        case .io: .io
        case .storage: .storage
        case .crypto: .crypto
        case .credentialRejected: .credentialRejected
        case .tokenExpired: .tokenExpired
        case .noSuchToken: .noSuchToken
        case .tooManySessions: .tooManySessions
        case .accountDead: .accountDead
        case .storeUnreachable: .storeUnreachable
        }
    }

    /// A vault error of this code's kind (its texts empty), or nil for the agent's own codes.
    /// The client uses it to report a refusal with the vault's exit status.
    public func vaultError(message: String) -> VaultError? {
        switch self {
        case .malformedFrame, .frameTooLarge, .unsupportedVersion, .unknownRequest, .denied, .tooManyConnections,
             .timeout, .internalError, .unlockBackoff: nil
        case .wrongCredential: .wrongCredential
        case .noSuchAccount: .noSuchAccount(message)
        case .accountExists: .accountExists(message)
        case .accountRevoked: .accountRevoked(message)
        case .invalidInput: .invalidInput(message)
        case .tampered: .tampered(message)
        case .unsupportedFormat: .unsupportedFormat(found: 0, supported: 0)
        case .insecurePermissions: .insecurePermissions(path: message, mode: 0)
        case .vaultNotFound: .vaultNotFound(message)
        case .vaultExists: .vaultExists(message)
        case .busy: .busy
        case .locked: .locked
        case .leaseExpired: .leaseExpired(message)
        case .leaseUsedUp: .leaseUsedUp(message)
        case .leaseRevoked: .leaseRevoked(message)
        case .leaseStale: .leaseStale(message)
        case .leaseWrongProtocol: .leaseWrongProtocol(lease: message, granted: .imap, requested: .smtp)
        case .noSuchLease: .noSuchLease(message)
        case .leaseLimitReached: .leaseLimitReached(message)
        case .leaseRenewalLimit: .leaseRenewalLimit(message)
        case .trafficLimit: .trafficLimit(account: message, direction: "", usedBytes: 0, limitBytes: 0)
        case .io: .io(message)
        case .storage: .storage(message)
        case .crypto: .crypto(message)
        case .credentialRejected: .credentialRejected(message)
        case .tokenExpired: .tokenExpired(message)
        case .noSuchToken: .noSuchToken(message)
        case .tooManySessions: .tooManySessions(account: message, limit: 0)
        case .accountDead: .accountDead(message)
        case .storeUnreachable: .storeUnreachable(message)
        }
    }

    /// The code for a frame the agent could not accept.
    public init(_ error: ProtocolError) {
        self = switch error {
        case .frameTooLarge: .frameTooLarge
        case .malformed: .malformedFrame
        case .unsupportedVersion: .unsupportedVersion
        case .unknownMessageType: .unknownRequest
        case .outOfSecureMemory: .internalError
        }
    }

    /// Whether the agent closes the connection after sending this error.
    public var closesConnection: Bool {
        switch self {
        case .malformedFrame, .frameTooLarge, .unsupportedVersion, .unknownRequest,
             .tooManyConnections, .timeout:
            true
        default:
            false
        }
    }

    /// The exit status the command-line tool uses: the vault's for vault errors (``ExitStatus``).
    public var exitStatus: ExitStatus {
        if let vaultError = vaultError(message: "") { return vaultError.exitStatus }
        switch self {
        case .denied: return .policyDenied
        case .tooManyConnections, .unlockBackoff: return .busy
        case .internalError: return .failure
        default: return .agentProtocol
        }
    }

    /// ``exitStatus`` as a number.
    public var exitCode: Int32 { exitStatus.rawValue }

    public var description: String {
        switch self {
        case .malformedFrame: "malformed-frame"
        case .frameTooLarge: "frame-too-large"
        case .unsupportedVersion: "unsupported-version"
        case .unknownRequest: "unknown-request"
        case .denied: "denied"
        case .tooManyConnections: "too-many-connections"
        case .timeout: "timeout"
        case .internalError: "internal-error"
        case .unlockBackoff: "unlock-backoff"
        case .wrongCredential: "wrong-credential"
        case .noSuchAccount: "no-such-account"
        case .accountExists: "account-exists"
        case .accountRevoked: "account-revoked"
        case .invalidInput: "invalid-input"
        case .tampered: "tampered"
        case .unsupportedFormat: "unsupported-format"
        case .insecurePermissions: "insecure-permissions"
        case .vaultNotFound: "vault-not-found"
        case .vaultExists: "vault-exists"
        case .busy: "busy"
        case .locked: "locked"
        case .leaseExpired: "lease-expired"
        case .leaseUsedUp: "lease-used-up"
        case .leaseRevoked: "lease-revoked"
        case .leaseStale: "lease-stale"
        case .leaseWrongProtocol: "lease-wrong-protocol"
        case .noSuchLease: "no-such-lease"
        case .leaseLimitReached: "lease-limit-reached"
        case .leaseRenewalLimit: "lease-renewal-limit"
        case .trafficLimit: "traffic-limit"
        case .io: "io"
        case .storage: "storage"
        case .crypto: "crypto"
        case .credentialRejected: "credential-rejected"
        case .tokenExpired: "token-expired"
        case .noSuchToken: "no-such-token"
        case .tooManySessions: "too-many-sessions"
        case .accountDead: "account-dead"
        case .storeUnreachable: "store-unreachable"
        }
    }
}
