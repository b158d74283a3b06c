public import AppVault

/// Which peers may ask the agent for what.
///
/// Without a policy file only the agent's own uid may connect, and it may do everything.
/// A policy file adds ``Rule``s for other uids or executables (`docs/agent-protocol.md`).
public struct AgentPolicy: Sendable, Equatable {
    /// Whether any process of the agent's own uid may do everything (default true).
    public var trustOwnUID: Bool
    /// Grants for peers; a peer gets the union of the rules that match it.
    public var rules: [Rule]

    /// One grant: a uid, optionally one executable, and what it may use.
    public struct Rule: Sendable, Equatable {
        /// The peer's uid.
        public var uid: UInt32
        /// The peer's executable path; nil matches any executable of that uid.
        public var executable: String?
        /// Account names it may lease and redeem; `*` means all.
        public var accounts: [String]
        /// Protocols it may lease and redeem.
        public var protocols: Set<MailProtocol>
        /// Whether it may also unlock, lock and list leases.
        public var admin: Bool

        /// Creates a rule.
        public init(uid: UInt32, executable: String? = nil, accounts: [String],
                    protocols: Set<MailProtocol> = Set(MailProtocol.allCases), admin: Bool = false) {
            self.uid = uid
            self.executable = executable
            self.accounts = accounts
            self.protocols = protocols
            self.admin = admin
        }

        /// A rule naming an executable matches only a peer running exactly that file, which the
        /// peer cannot change and runs without injected libraries (``PeerIdentity/executableTrusted``).
        func matches(_ peer: PeerIdentity) -> Bool {
            guard peer.uid == uid else { return false }
            guard let executable else { return true }
            return peer.executable == executable && peer.executableTrusted
        }

        func allows(account: String, protocol proto: MailProtocol) -> Bool {
            protocols.contains(proto) && accounts.contains { $0 == "*" || $0 == account }
        }
    }

    /// Creates a policy.
    public init(trustOwnUID: Bool = true, rules: [Rule] = []) {
        self.trustOwnUID = trustOwnUID
        self.rules = rules
    }

    /// The default: the agent's own uid only.
    public static let ownerOnly = AgentPolicy()

    /// What a peer asks to do, as far as the policy is concerned.
    public enum Action: Sendable, Equatable, CustomStringConvertible {
        /// Open a connection and ask for `status`.
        case connect
        /// `unlock`, `lock`, listing leases, accounts and tokens, adding and revoking tokens.
        case administer(String)
        /// A login at an endpoint, `grant-login`, `renew`/`revoke-lease` on a lease of `account`
        /// for `protocol`, or reading and writing `fetch --new`'s state (`fetch-state`, as IMAP).
        case use(request: String, account: String, protocol: MailProtocol)

        public var description: String {
            switch self {
            case .connect: "connect"
            case .administer(let request): request
            case .use(let request, let account, let proto): "\(request) \(account) \(proto)"
            }
        }
    }

    /// Whether `peer` may do `action`; `agentUID` is the uid the agent runs as.
    public func allows(_ action: Action, peer: PeerIdentity, agentUID: UInt32) -> Bool {
        if trustOwnUID && peer.uid == agentUID { return true }
        let matching = rules.filter { $0.matches(peer) }
        switch action {
        case .connect:
            return !matching.isEmpty
        case .administer:
            return matching.contains { $0.admin }
        case .use(_, let account, let proto):
            return matching.contains { $0.allows(account: account, protocol: proto) }
        }
    }
}
