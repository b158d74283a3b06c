import AppVault
import VaultAgent

/// How a command reaches the vault's contents: through a running, unlocked agent that serves
/// this very vault (no passphrase asked), or by unlocking the vault in this process.
///
/// The agent is trusted only after ``AgentClient`` checked its socket, its folder and the
/// process answering (all this user's), and after it reported the id of the vault the command
/// was pointed at. An agent serving another vault is not used (a notice says so).
enum VaultAccess {
    case agent(AgentClient, Vault)
    case local(Vault)

    /// The vault as opened here (locked when the agent is used).
    var vault: Vault {
        switch self {
        case .agent(_, let vault), .local(let vault): vault
        }
    }

    /// Opens the vault and picks the agent when it can, else unlocks here.
    static func open(_ options: VaultOptions, socket: AgentSocketOptions) throws -> VaultAccess {
        let vault = try options.openLocked()
        if let client = try socket.unlockedAgent(serving: vault) { return .agent(client, vault) }
        try vault.unlock(with: options.credential(for: vault.credentialKind()))
        return .local(vault)
    }

    /// Every account with today's traffic.
    func accounts() throws -> [AccountSummary] {
        switch self {
        case .agent(let client, _): return try client.accounts()
        case .local(let vault):
            let traffic = try vault.trafficToday()
            return try vault.accounts().map { AccountSummary(record: $0, traffic: $0.status == .revoked ? nil : traffic[$0.name]) }
        }
    }

    /// Live leases.
    func leases() throws -> [Lease] {
        switch self {
        case .agent(let client, _): try client.liveLeases()
        case .local(let vault): try vault.liveLeases()
        }
    }
}

extension AgentSocketOptions {
    /// The agent on the socket if one runs, is this user's, serves `vault` and is unlocked; nil
    /// when none runs, it is locked, or it serves another vault (said on standard error). An
    /// agent socket that is not safe (another user's folder or process) is an error: nothing
    /// was sent to it.
    func unlockedAgent(serving vault: Vault) throws -> AgentClient? {
        guard let (client, status) = try servingAgent(vault), status.unlocked else { return nil }
        return client
    }

    /// The agent on the socket and its status if one runs, is this user's and serves `vault`,
    /// locked or not; nil when none runs or it serves another vault (said on standard error).
    func servingAgent(_ vault: Vault) throws -> (AgentClient, AgentStatus)? {
        let client = self.client
        let status: AgentStatus
        do {
            status = try client.status()
        } catch AgentError.notRunning {
            return nil
        }
        guard status.vaultID == vault.id else {
            Output.notice("appvault: the agent on \(path) serves another vault; not using it for \(vault.path)")
            return nil
        }
        return (client, status)
    }
}
