internal import AppVault
internal import Synchronization

/// Counts the bytes proxied sessions move, per account, against the provider's daily limits.
///
/// Sessions report every 64 KiB or second; writing each report to the vault would cost a durable
/// commit each, so counts are kept here and flushed in one transaction every few seconds
/// (``flush()``). The limit check adds what is pending to what the vault recorded today, so a
/// limit is enforced between flushes too; across hosts (a shared store) each agent sees the
/// others' traffic at its next flush.
final class TrafficMeter: Sendable {
    private struct Account {
        var usage: TrafficUsage
        var pendingIn: Int64 = 0
        var pendingOut: Int64 = 0
    }

    private let vault: Vault
    private let accounts = Mutex<[String: Account]>([:])

    init(vault: Vault) {
        self.vault = vault
    }

    /// Refuses a new session when the account's limit in `direction` is already reached.
    func checkAllowance(account name: String, direction: TrafficDirection) throws(VaultError) {
        let usage = try vault.trafficToday(account: name)
        let verdict = accounts.withLock { accounts -> String? in
            var account = accounts[name] ?? Account(usage: usage)
            account.usage = usage
            accounts[name] = account
            return Self.exceeded(account, direction: direction)
        }
        if verdict != nil {
            let used = direction == .download ? usage.bytesIn : usage.bytesOut
            let limit = direction == .download ? usage.limitIn : usage.limitOut
            throw .trafficLimit(account: name, direction: direction.rawValue, usedBytes: used, limitBytes: limit)
        }
    }

    /// Adds bytes; returns a reason when the account went over a limit.
    func add(account name: String, downloaded: Int64, uploaded: Int64) -> String? {
        accounts.withLock { accounts -> String? in
            guard var account = accounts[name] else { return nil }
            account.pendingIn += max(downloaded, 0)
            account.pendingOut += max(uploaded, 0)
            accounts[name] = account
            return Self.exceeded(account, direction: .download) ?? Self.exceeded(account, direction: .upload)
        }
    }

    /// Writes the pending counts to the vault in one transaction and refreshes today's figures.
    /// Counts that could not be written stay pending.
    func flush() {
        let pending = accounts.withLock { accounts -> [String: (bytesIn: Int64, bytesOut: Int64)] in
            var batch = [String: (bytesIn: Int64, bytesOut: Int64)]()
            for (name, account) in accounts where account.pendingIn > 0 || account.pendingOut > 0 {
                batch[name] = (account.pendingIn, account.pendingOut)
            }
            return batch
        }
        guard !pending.isEmpty, (try? vault.recordTraffic(pending)) != nil else { return }
        let today = (try? vault.trafficToday()) ?? [:]
        accounts.withLock { accounts in
            for (name, moved) in pending {
                guard var account = accounts[name] else { continue }
                account.pendingIn -= moved.bytesIn
                account.pendingOut -= moved.bytesOut
                if let usage = today[name] { account.usage = usage }
                accounts[name] = account
            }
        }
    }

    private static func exceeded(_ account: Account, direction: TrafficDirection) -> String? {
        switch direction {
        case .download where account.usage.bytesIn + account.pendingIn >= account.usage.limitIn:
            "the account's daily download limit (\(account.usage.limitIn / 1_000_000) MB) is reached; try again after midnight UTC"
        case .upload where account.usage.bytesOut + account.pendingOut >= account.usage.limitOut:
            "the account's daily upload limit (\(account.usage.limitOut / 1_000_000) MB) is reached; try again after midnight UTC"
        default: nil
        }
    }
}
