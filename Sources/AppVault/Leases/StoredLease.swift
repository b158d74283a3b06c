import Foundation
import VaultCrypto

/// A lease as the vault stores it (sealed; docs/format.md).
struct StoredLease {
    var handle: [UInt8]
    /// The account's record key (the row's `ref`).
    var accountKey: [UInt8]
    var account: String
    var `protocol`: MailProtocol
    var kind: LeaseKind
    var generation: Int64
    var grantedAt: Date
    var expiresAt: Date
    var maximumExpiresAt: Date
    var usesLeft: Int
    var holder: String
    var revokedAt: Date?
    /// When the session it holds ended (sessions and used login leases).
    var endedAt: Date?
    /// A login lease's keyed password hash; nil for other kinds.
    var credentialHash: [UInt8]?
    /// The client token a session was opened with.
    var tokenID: [UInt8]?
    /// The token's client name, for display.
    var client: String?

    /// Bytes of a lease handle (shown as 16 hex digits).
    static let handleBytes = 8

    /// Whether the lease can still be used or still holds a session.
    func isLive(now: Date, generation current: Int64) -> Bool {
        isOpen && generation == current && now < expiresAt
    }

    /// A proxied session (a login lease becomes one when it is presented): live until the
    /// session ends or the lease expires, whatever its use count.
    var holdsSession: Bool { kind == .session }

    /// Whether this lease can be dropped from the store: ended long enough ago that its
    /// distinct refusal ("used up", "revoked") no longer matters.
    func isPrunable(before cutoff: Date, now: Date) -> Bool {
        if let revokedAt, revokedAt < cutoff { return true }
        if let endedAt, endedAt < cutoff { return true }
        if expiresAt < cutoff { return true }
        return !holdsSession && usesLeft <= 0 && grantedAt < cutoff
    }

    /// The public description, with the account's current server and user.
    func lease(endpoint: ServerEndpoint, username: String) -> Lease {
        Lease(id: Hex.encode(handle), account: account, protocol: `protocol`, kind: kind, generation: generation,
              endpoint: endpoint, username: username, grantedAt: grantedAt, expiresAt: expiresAt,
              maximumExpiresAt: maximumExpiresAt, usesLeft: usesLeft, holder: holder, client: client,
              tokenID: tokenID.map(Hex.encode))
    }

    // MARK: - Storage

    /// The lease with handle text `id`, checked; nil when there is none (or `id` is not a handle).
    static func find(_ id: String, in ledger: Ledger) throws(VaultError) -> StoredLease? {
        guard let handle = Hex.decode(id), handle.count == handleBytes else { return nil }
        return try find(handle, in: ledger)
    }

    /// The lease with handle `handle`, checked; nil when there is none.
    static func find(_ handle: [UInt8], in ledger: Ledger) throws(VaultError) -> StoredLease? {
        guard let stored = try ledger.record(.lease, key: handle) else { return nil }
        return try decode(stored, keys: ledger.keys.ring)
    }

    /// The leases of `account` that can still be used (``isOpen``; some may have expired or be
    /// stale), from a listing checked to be complete. Ended leases are filed in leaves of their
    /// own, so a busy account's grants do not slow down with its history.
    static func open(of account: StoredAccount, in ledger: Ledger) throws(VaultError) -> [StoredLease] {
        var leases = [StoredLease]()
        for stored in try ledger.records(.lease, ref: account.key) { leases.append(try decode(stored, keys: ledger.keys.ring)) }
        return leases
    }

    static func decode(_ stored: StoredRecord, keys: borrowing KeyRing) throws(VaultError) -> StoredLease {
        var reader = ByteReader(try SealedRecord.open(stored, keys: keys), what: "lease record")
        let accountKey = try reader.bytes("account key")
        let account = try reader.string("account")
        guard let proto = MailProtocol(rawValue: try reader.string("protocol")),
              let kind = LeaseKind(rawValue: try reader.string("kind"))
        else { throw .tampered("a lease record has an unknown protocol or kind") }
        let lease = StoredLease(
            handle: stored.key, accountKey: accountKey, account: account, protocol: proto, kind: kind,
            generation: try reader.int64("generation"), grantedAt: try reader.date("granted"),
            expiresAt: try reader.date("expires"), maximumExpiresAt: try reader.date("maximum expiry"),
            usesLeft: try reader.int("uses"), holder: try reader.string("holder"),
            revokedAt: try reader.optionalDate("revoked"), endedAt: try reader.optionalDate("ended"),
            credentialHash: try reader.optionalBytes("credential"), tokenID: try reader.optionalBytes("token"),
            client: try reader.optionalString("client"))
        try reader.finish()
        // An open lease lives in its account's leaf (`ref`); an ended one in a leaf of its own.
        guard stored.ref == (lease.isOpen ? accountKey : nil) else {
            throw .tampered("a lease row is filed under the wrong account")
        }
        return lease
    }

    func stored(keys: borrowing KeyRing) throws(VaultError) -> StoredRecord {
        var writer = ByteWriter()
        writer.append(accountKey)
        writer.append(account)
        writer.append(`protocol`.rawValue)
        writer.append(kind.rawValue)
        writer.append(generation)
        writer.append(grantedAt)
        writer.append(expiresAt)
        writer.append(maximumExpiresAt)
        writer.append(usesLeft)
        writer.append(holder)
        writer.append(revokedAt)
        writer.append(endedAt)
        writer.append(credentialHash)
        writer.append(tokenID)
        writer.append(client)
        // Only a lease that can still be used is filed under its account (`ref`, the account's
        // leaf of the integrity tree) and carries its holder's tag: caps, revocations and session
        // counts then read the open leases only, not every lease of the retention time, which an
        // ended lease keeps for its distinct refusal ("used up", "revoked") in a leaf of its own.
        return StoredRecord(kind: .lease, key: handle, ref: isOpen ? accountKey : nil,
                            tag: isOpen ? Self.holderTag(holder, keys: keys) : nil,
                            body: try SealedRecord.seal(writer.bytes, kind: .lease, key: handle, keys: keys))
    }

    /// Not revoked, not ended and not used up: it may still be used until it expires (or its
    /// account's generation moves on).
    var isOpen: Bool {
        revokedAt == nil && endedAt == nil && (holdsSession || usesLeft > 0)
    }

    /// The keyed value leases of one holder share, for the per-holder cap.
    static func holderTag(_ holder: String, keys: borrowing KeyRing) -> [UInt8] {
        keys.index("appvault-lease-holder-v2", Array(holder.utf8))
    }

    func save(in ledger: Ledger) throws(VaultError) {
        try ledger.put(stored(keys: ledger.keys.ring))
    }
}
