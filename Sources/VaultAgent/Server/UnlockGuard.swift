internal import Foundation
internal import AppVault
internal import Logging
internal import Synchronization

/// Guards `unlock` through the agent against guessing: one Argon2id at a time, a growing wait
/// after each wrong passphrase (1 s, 2 s, 4 s ... 60 s), and every failure recorded in the audit
/// log once the vault is unlocked (a locked vault cannot append to its keyed log; the agent's
/// log line is written at once).
final class UnlockGuard: Sendable {
    private struct State {
        var running = false
        var failures = 0
        var notBefore = Date.distantPast
        var unrecorded: [(at: Date, event: String, actor: String, detail: String)] = []
    }

    private let state = Mutex(State())
    private let clock: any VaultClock
    private let logger: Logger

    /// The longest wait after failures.
    static let maximumBackoff: Double = 60

    init(clock: any VaultClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    /// Unlocks `vault` with `credential` (Argon2id) unless another unlock is running or a
    /// back-off is due.
    func unlock(_ vault: Vault, with credential: consuming MasterCredential, by peer: PeerIdentity) throws {
        let now = clock.now()
        try state.withLock { (state) throws(AgentFailure) in
            if state.running {
                throw AgentFailure(code: .busy, message: "another unlock is running; try again when it has finished")
            }
            if now < state.notBefore {
                let wait = Int(state.notBefore.timeIntervalSince(now).rounded(.up))
                throw AgentFailure(code: .unlockBackoff, message: "too many wrong passphrases; wait \(wait) s before trying again")
            }
            state.running = true
        }
        do {
            try vault.unlock(with: credential)
        } catch {
            let failure = state.withLock { state -> Int in
                state.running = false
                guard error == .wrongCredential else { return 0 }
                state.failures += 1
                let wait = min(pow(2, Double(state.failures - 1)), Self.maximumBackoff)
                state.notBefore = clock.now().addingTimeInterval(wait)
                state.unrecorded.append((now, "agent.unlock-failed", "\(peer)",
                                         "wrong passphrase or key file (failure \(state.failures); next attempt in \(Int(wait)) s)"))
                return state.failures
            }
            if failure > 0 {
                logger.warning("agent unlock failed: wrong passphrase or key file", metadata: ["peer": "\(peer)", "failures": "\(failure)"])
            }
            throw error
        }
        let unrecorded = state.withLock { state in
            state.running = false
            state.failures = 0
            state.notBefore = .distantPast
            defer { state.unrecorded = [] }
            return state.unrecorded
        }
        vault.recordEvents(unrecorded + [(now, "agent.unlock", "\(peer)", "vault unlocked through the agent")])
    }
}
