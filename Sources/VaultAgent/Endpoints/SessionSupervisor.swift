internal import AppVault
internal import Foundation
internal import Logging
internal import Synchronization

/// Keeps proxied sessions honest while they live, on a thread of its own:
///
/// * follows the vault's audit log (woken by every commit, by any process or host) and ends the
///   sessions a change takes away: a rotated, revoked or dead account, a revoked token, a revoked
///   lease: within a second whoever made the change;
/// * renews the sessions' leases in one transaction every third of their TTL, ending those the
///   vault no longer renews (the fallback should a change be missed);
/// * flushes the traffic meter every two seconds.
///
/// A store that cannot be reached keeps sessions running until their leases would have lapsed.
final class SessionSupervisor: Sendable {
    private let vault: Vault
    private let host: EndpointHost
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// How long one wait for a change lasts (also how often the timers are looked at).
    static let tick: Duration = .milliseconds(250)
    /// How often pending traffic is written.
    static let flushInterval: Double = 2

    init(vault: Vault, host: EndpointHost, logger: Logger) {
        self.vault = vault
        self.host = host
        self.logger = logger
    }

    func start() {
        Thread.detachNewThread { [self] in
            run()
            finished.signal()
        }
    }

    /// Stops the thread and flushes the meter one last time.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        finished.wait()
        host.authority.meter.flush()
    }

    private func run() {
        let renewal = vault.leaseLimits.sessionTTL.inSeconds / 3
        var counter = (try? vault.commitCounterHint()) ?? -1
        var cursor: AuditCursor?
        var nextRenewal = Date().addingTimeInterval(renewal)
        var nextFlush = Date().addingTimeInterval(Self.flushInterval)
        var lastRenewal = Date()
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let current: Int64
            do { current = try vault.waitForChange(after: counter, timeout: Self.tick) } catch {
                Thread.sleep(forTimeInterval: Self.tick.inSeconds)
                current = counter
            }
            if !vault.isUnlocked {
                cursor = nil
            } else if cursor == nil {
                cursor = try? vault.auditCursor()
            } else if current != counter, let from = cursor {
                cursor = follow(from)
            }
            counter = current
            let now = Date()
            if now >= nextRenewal {
                if renew() { lastRenewal = now } else if now.timeIntervalSince(lastRenewal) > vault.leaseLimits.sessionTTL.inSeconds {
                    host.endAllSessions(reason: "the vault cannot be reached to renew the session's lease")
                }
                nextRenewal = now.addingTimeInterval(renewal)
            }
            if now >= nextFlush {
                host.authority.meter.flush()
                nextFlush = now.addingTimeInterval(Self.flushInterval)
            }
        }
    }

    /// Ends the sessions that the changes after `cursor` take away; returns the new cursor.
    private func follow(_ cursor: AuditCursor) -> AuditCursor? {
        do {
            let (next, records) = try vault.auditChanges(after: cursor)
            for record in records { apply(record) }
            return next
        } catch .locked {
            return nil
        } catch .tampered(let problem) {
            logger.error("the vault's audit log does not chain on; every session ends and the vault is locked",
                         metadata: ["problem": "\(problem)"])
            host.endAllSessions(reason: "the vault failed an integrity check")
            vault.lock()
            return nil
        } catch {
            // The store is unreachable or busy for now: read the same changes again next time.
            logger.warning("could not read the vault's changes; retrying", metadata: ["error": "\(error)"])
            return cursor
        }
    }

    private func apply(_ record: AuditRecord) {
        switch record.event {
        case "account.rotate":
            host.endSessions(account: record.account ?? "", reason: "the account's app password was rotated; log in again")
        case "account.revoke":
            host.endSessions(account: record.account ?? "", reason: "the account was revoked")
        case "account.check" where record.detail.contains("marked dead"):
            host.endSessions(account: record.account ?? "", reason: "the provider rejected the account's app password")
        case "token.revoke":
            if let token = record.tokenID { host.endSessions(token: token, reason: "the client token was revoked") }
        case "lease.revoke":
            if let lease = record.leaseID { host.endSessions(lease: lease, reason: "the session's lease was revoked") }
        default:
            break
        }
    }

    /// Renews every live session's lease; ends the ones refused. False when the vault could not
    /// be asked (locked, store unreachable).
    private func renew() -> Bool {
        let ids = host.proxy.sessions.live().map(\.sessionID)
        guard !ids.isEmpty else { return true }
        do {
            for (id, error) in try vault.renewSessions(ids) {
                host.endSessions(lease: id, reason: error.description)
            }
            return true
        } catch {
            logger.warning("could not renew the sessions' leases", metadata: ["error": "\(error)"])
            return false
        }
    }
}
