internal import Foundation
internal import AppVault
internal import Synchronization

/// The account listing that a client is paging through.
///
/// A listing does not fit one frame from a few hundred accounts on, and the client asks for it
/// page by page; opening every account's sealed row again for each page made `list` through the
/// agent several times slower than unlocking the vault in the CLI (1,000 accounts: 4 pages, each
/// decrypting and verifying all 1,000 rows). A request for the first page always reads the vault;
/// later pages are cut from that listing while it is fresh: the vault's commit counter unchanged,
/// the vault unlocked, and at most `lifetime` old. Any change, lock or pause reads the vault again.
final class ListingSnapshot: Sendable {
    private struct Taken {
        let commitCounter: Int64
        let takenAt: ContinuousClock.Instant
        let accounts: [AccountSummary]
    }

    private let lifetime: Duration
    private let taken = Mutex<Taken?>(nil)

    init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    /// The listing for a request at `offset`: read from `vault` with `read` for the first page
    /// or when the kept one is stale.
    func accounts(at offset: UInt32, of vault: Vault,
                  read: () throws -> [AccountSummary]) throws -> [AccountSummary] {
        let counter = try vault.commitCounterHint()
        if offset > 0, vault.isUnlocked, let kept = taken.withLock({ $0 }),
           kept.commitCounter == counter, ContinuousClock.now - kept.takenAt < lifetime {
            return kept.accounts
        }
        let accounts = try read()
        taken.withLock { $0 = Taken(commitCounter: counter, takenAt: .now, accounts: accounts) }
        return accounts
    }

    /// Forgets the kept listing (the vault was locked).
    func forget() {
        taken.withLock { $0 = nil }
    }

    /// Forgets the kept listing once it is too old to serve, so account names and addresses do
    /// not stay in the agent's memory longer than a client needs to page through them.
    func expire() {
        taken.withLock { kept in
            if let taken = kept, ContinuousClock.now - taken.takenAt >= lifetime { kept = nil }
        }
    }
}
