import AppVault
import MailConnectors

/// `fetch --follow`: waits in the mailbox with IDLE and runs a pass of the ``FetchRun`` whenever
/// mail arrives (and once an hour regardless), until SIGINT or SIGTERM, then ends IDLE with DONE
/// and logs out.
///
/// When the connection drops (the server or the network, or the agent ending the session
/// because the upstream dropped, the password was rotated or the agent stopped), it reconnects
/// after 1 s, then 2, 4 ... up to 60 s between attempts, saying so on standard error, and
/// catches up with a pass. Anything else ends the command with its exit status at once, with
/// no retry: a revoked lease, token or account, a locked vault, a policy denial, a traffic
/// limit, a rejected password, a file that could not be written.
struct FollowLoop {
    let run: FetchRun
    /// Opens a new session (for reconnecting).
    let connect: () throws -> IMAPClient
    /// What to call the mailbox in messages.
    let mailbox: String

    /// The longest wait between two attempts to reconnect.
    static let maximumDelay: Duration = .seconds(60)

    /// Follows from `client` (logged in, after the first pass) until stopped.
    func follow(from client: IMAPClient) throws {
        var client = client
        while !StopSignal.requested {
            do {
                switch try client.idle(timeout: .seconds(3600), shouldStop: { StopSignal.requested }) {
                case .cancelled: continue
                case .newMail, .timedOut: try run.pass(client)
                }
            } catch where Self.isTemporary(error) {
                try? client.logout()
                guard let reconnected = try reconnect(after: error) else { return }
                client = reconnected
            }
        }
        try client.logout()
    }

    /// Reconnects with back-off and catches up; nil when a stop was asked for meanwhile.
    private func reconnect(after loss: any Error) throws -> IMAPClient? {
        var delay: Duration = .seconds(1)
        var reason = "\(loss)"
        while true {
            Output.notice("appvault: lost the session with \(mailbox) (\(reason)); reconnecting in \(delay.components.seconds) s")
            StopSignal.sleep(delay)
            if StopSignal.requested { return nil }
            delay = min(delay * 2, Self.maximumDelay)
            do {
                let client = try connect()
                try run.pass(client)
                Output.notice("appvault: reconnected; following \(mailbox) again")
                return client
            } catch where Self.isTemporary(error) {
                reason = "\(error)"
            }
        }
    }

    /// Whether `error` is worth reconnecting for: a network or server failure (exit 13), no
    /// agent answering for now (14), or a busy vault or agent (8).
    static func isTemporary(_ error: any Error) -> Bool {
        guard let error = error as? any ReportableError else { return false }
        return [ExitStatus.network, .noAgent, .busy].map(\.rawValue).contains(error.exitCode)
    }
}
