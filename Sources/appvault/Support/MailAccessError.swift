import AppVault

/// Why a mail command could not reach a mailbox at all.
enum MailAccessError: ReportableError {
    /// The agent that serves this vault is locked, and no passphrase or key file is at hand to
    /// unlock the vault here (`reason` says why reading one failed). Run `appvault unlock`, or
    /// give `--passphrase-file`.
    case agentLocked(socket: String, reason: String)

    var exitCode: Int32 {
        switch self {
        case .agentLocked: ExitStatus.locked.rawValue
        }
    }

    var description: String {
        switch self {
        case .agentLocked(let socket, let reason):
            "the agent on \(socket) is locked and the vault cannot be unlocked here (\(reason)); run `appvault unlock`"
        }
    }
}
