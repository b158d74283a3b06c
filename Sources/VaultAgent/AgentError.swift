public import AppVault

/// What went wrong in the agent or its client, and what to do about it. Never holds a secret.
public enum AgentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The socket's folder or path is unsafe (owned by another user, not a folder, too long).
    /// Fix or remove it, or choose another path with `--socket`.
    case unsafeSocketPath(path: String, problem: String)
    /// Another agent is already listening on this socket. Stop it, or use another `--socket`.
    case alreadyRunning(String)
    /// No agent answers on this socket. Start one with `appvault agent`.
    case notRunning(String)
    /// The policy file is unreadable or invalid; the text says where. Fix the file.
    case policy(path: String, problem: String)
    /// A system call failed; the text names the call and the reason.
    case system(SystemError)
    /// The agent did not answer in time. Check that it is not stuck, then retry.
    case timedOut(String)
    /// The agent sent bytes that are not a valid reply (or closed the connection early).
    /// Check that agent and client are the same appvault version.
    case badReply(String)
    /// The agent refused the request; ``AgentFailure/code`` says why.
    case refused(AgentFailure)
    /// An endpoint address (`--imap-listen`, `--smtp-listen`) cannot be used; the text says why.
    case listen(String, String)
    /// The local TLS certificate or key (`--local-cert`, `--local-key`) cannot be loaded.
    case localTLS(String)
    /// The process answering on the socket is not trustworthy for this client: it runs as
    /// another user, or it serves another vault than the one asked for. Nothing was sent to it
    /// (no passphrase, no request). Stop that process, or point `--socket`/`--vault` right.
    case untrustedAgent(String)

    public var description: String {
        switch self {
        case .unsafeSocketPath(let path, let problem):
            "agent socket \(path): \(problem)"
        case .alreadyRunning(let path):
            "an agent is already listening on \(path)"
        case .notRunning(let path):
            "no agent is running on \(path); start one with `appvault agent`"
        case .policy(let path, let problem):
            "agent policy \(path) \(problem)"
        case .system(let error):
            error.description
        case .timedOut(let what):
            "the agent did not answer in time (\(what))"
        case .badReply(let what):
            "invalid reply from the agent: \(what)"
        case .refused(let failure):
            failure.message
        case .untrustedAgent(let problem):
            "refusing to use the agent: \(problem)"
        case .listen(let address, let problem):
            "cannot listen on \(address): \(problem)"
        case .localTLS(let problem):
            "local TLS: \(problem)"
        }
    }

    /// The exit status the command-line tool uses for this error (``ExitStatus``).
    public var exitStatus: ExitStatus {
        switch self {
        case .refused(let failure): failure.code.exitStatus
        case .unsafeSocketPath: .insecurePermissions
        case .policy, .listen, .localTLS: .badInput
        case .notRunning: .noAgent
        case .timedOut, .badReply, .untrustedAgent: .agentProtocol
        case .alreadyRunning, .system: .failure
        }
    }

    /// ``exitStatus`` as a number.
    public var exitCode: Int32 { exitStatus.rawValue }
}
