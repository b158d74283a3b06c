public import Foundation
import VaultCrypto

/// What `appvault fetch --new` has fetched from one mailbox of one account.
public struct FetchState: Sendable, Codable, Equatable {
    /// The mailbox's UIDVALIDITY when the UIDs below were fetched; a new value means the server
    /// renumbered the mailbox and every UID below is void.
    public var uidValidity: UInt32
    /// The highest UID fetched so far.
    public var lastUID: UInt32
    /// When it was last advanced.
    public var updatedAt: Date

    /// Creates a state.
    public init(uidValidity: UInt32, lastUID: UInt32, updatedAt: Date) {
        self.uidValidity = uidValidity
        self.lastUID = lastUID
        self.updatedAt = updatedAt
    }
}

extension Vault {
    private static func fetchKey(_ account: StoredAccount, mailbox: String, keys: borrowing KeyRing) -> [UInt8] {
        keys.index("appvault-fetch-state-v2", account.accountID, Array(mailbox.utf8))
    }

    /// The fetch state of `mailbox` of `account`, or nil before the first `fetch --new`.
    public func fetchState(account name: String, mailbox: String) throws(VaultError) -> FetchState? {
        try read { ledger throws(VaultError) -> FetchState? in
            let account = try StoredAccount.require(name, in: ledger)
            guard let stored = try ledger.record(.fetchState, key: Self.fetchKey(account, mailbox: mailbox, keys: ledger.keys.ring)) else {
                return nil
            }
            var reader = ByteReader(try SealedRecord.open(stored, keys: ledger.keys.ring), what: "fetch state")
            guard try reader.string("mailbox") == mailbox else { throw .tampered("a fetch state belongs to another mailbox") }
            let state = FetchState(uidValidity: UInt32(truncatingIfNeeded: try reader.int64("uidvalidity")),
                                   lastUID: UInt32(truncatingIfNeeded: try reader.int64("uid")),
                                   updatedAt: try reader.date("updated"))
            try reader.finish()
            return state
        }
    }

    /// Records what `fetch --new` fetched, in one transaction (the caller saves messages first,
    /// so a crash between the two fetches them again rather than losing them).
    public func setFetchState(_ state: FetchState, account name: String, mailbox: String) throws(VaultError) {
        let now = clock.now()
        try write { ledger throws(VaultError) in
            let account = try StoredAccount.require(name, in: ledger)
            let key = Self.fetchKey(account, mailbox: mailbox, keys: ledger.keys.ring)
            var writer = ByteWriter()
            writer.append(mailbox)
            writer.append(Int64(state.uidValidity))
            writer.append(Int64(state.lastUID))
            writer.append(state.updatedAt)
            try ledger.put(StoredRecord(kind: .fetchState, key: key, ref: account.key,
                                        body: try SealedRecord.seal(writer.bytes, kind: .fetchState, key: key, keys: ledger.keys.ring)))
            try AuditLog.append(
                .init(event: "fetch.state", account: name, actor: configuration.actor,
                      detail: "uidvalidity \(state.uidValidity) last uid \(state.lastUID)"),
                at: now, to: ledger)
        }
    }
}
