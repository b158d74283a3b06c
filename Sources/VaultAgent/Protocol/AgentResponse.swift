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

    /// Creates a status report.
    public init(unlocked: Bool, pid: UInt32, idleLockSeconds: UInt32) {
        self.unlocked = unlocked
        self.pid = pid
        self.idleLockSeconds = idleLockSeconds
    }
}

/// One page of live leases, from ``AgentRequest/listLeases(offset:)``.
public struct LeasePage: Sendable, Equatable {
    /// The number of live leases in all pages.
    public var total: UInt32
    /// The leases in this page, starting at the requested offset.
    public var leases: [Lease]

    /// Creates a page.
    public init(total: UInt32, leases: [Lease]) {
        self.total = total
        self.leases = leases
    }
}

/// The agent's answer to one request.
public enum AgentResponse: ~Copyable {
    /// The answer to `status`.
    case status(AgentStatus)
    /// The request succeeded and has nothing to return (`unlock`, `lock`, `revoke-lease`).
    case done
    /// The lease granted or renewed.
    case lease(Lease)
    /// A page of live leases.
    case leases(LeasePage)
    /// A redeemed lease's secret, in guarded memory.
    case secret(SecureBytes)
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
