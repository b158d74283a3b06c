/// The process exit statuses of the `appvault` command, with what each means: the one table
/// every error type maps onto, and from which `appvault --help` and docs/cli.md are written.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case failure = 1
    case badInput = 2
    case wrongCredential = 3
    case notFound = 4
    case exists = 5
    case tampered = 6
    case insecurePermissions = 7
    case busy = 8
    case locked = 9
    case refused = 10
    case trafficLimit = 11
    case loginRejected = 12
    case network = 13
    case noAgent = 14
    case policyDenied = 15
    case agentProtocol = 16
    case deadAccounts = 17
    case usage = 64

    /// What the status means, for `--help` and the documentation.
    public var meaning: String {
        switch self {
        case .success: "success"
        case .failure: "other failure (I/O, storage)"
        case .badInput: "bad input (invalid name, address, password format, server, option value)"
        case .wrongCredential: "wrong passphrase or key file"
        case .notFound: "no such account, lease, token or vault"
        case .exists: "already exists (account or vault)"
        case .tampered: "tampered, corrupt, rolled back or unsupported vault; audit --verify found a problem"
        case .insecurePermissions: "insecure file permissions (vault, its folder, a key or passphrase file, an agent socket)"
        case .busy: "busy: another process holds the vault, or the agent asks to wait; try again"
        case .locked: "locked"
        case .refused: "lease, token or session refused (expired, used up, revoked, stale, wrong protocol, limit)"
        case .trafficLimit: "daily traffic limit reached"
        case .loginRejected: "mail server login failed: the provider rejected the app password (rotate it)"
        case .network: "mail server, network, TLS or shared-store failure, or a temporary refusal"
        case .noAgent: "no agent answers on the socket"
        case .policyDenied: "refused by the agent's policy"
        case .agentProtocol: "agent protocol error, time-out, or an agent that is not the user's or serves another vault"
        case .deadAccounts: "check found accounts whose password no longer works (marked dead)"
        case .usage: "usage error (unknown option, missing argument)"
        }
    }
}
