import Foundation
import VaultCrypto

/// A client token as the vault stores it (sealed; docs/format.md).
struct StoredToken {
    var id: [UInt8]
    var accountKey: [UInt8]
    var account: String
    var client: String
    var protocols: Set<MailProtocol>
    var createdAt: Date
    var lastUsedAt: Date?
    var expiresAt: Date?
    /// Keyed hash of the token's secret part.
    var secretHash: [UInt8]
    /// The row as read, for deleting it.
    var stored: StoredRecord

    var token: ClientToken {
        ClientToken(id: Hex.encode(id), client: client, account: account,
                    protocols: MailProtocol.allCases.filter(protocols.contains), createdAt: createdAt,
                    lastUsedAt: lastUsedAt, expiresAt: expiresAt)
    }

    /// The token with id text `id`, checked; nil when there is none.
    static func find(_ id: String, in ledger: Ledger) throws(VaultError) -> StoredToken? {
        guard let bytes = Hex.decode(id), bytes.count == LocalCredential.idBytes else { return nil }
        return try find(bytes, in: ledger)
    }

    static func find(_ id: [UInt8], in ledger: Ledger) throws(VaultError) -> StoredToken? {
        guard let stored = try ledger.record(.token, key: id) else { return nil }
        return try decode(stored, keys: ledger.keys.ring)
    }

    /// Every token of `account`, checked to be complete.
    static func all(of account: StoredAccount, in ledger: Ledger) throws(VaultError) -> [StoredToken] {
        var tokens = [StoredToken]()
        for stored in try ledger.records(.token, ref: account.key) { tokens.append(try decode(stored, keys: ledger.keys.ring)) }
        return tokens
    }

    static func decode(_ stored: StoredRecord, keys: borrowing KeyRing) throws(VaultError) -> StoredToken {
        guard let ref = stored.ref else { throw .tampered("a token row names no account") }
        var reader = ByteReader(try SealedRecord.open(stored, keys: keys), what: "token record")
        let account = try reader.string("account")
        let client = try reader.string("client")
        var protocols = Set<MailProtocol>()
        let count = try reader.int("protocol count")
        guard (0...MailProtocol.allCases.count).contains(count) else { throw .tampered("a token record is malformed") }
        for _ in 0..<count {
            guard let proto = MailProtocol(rawValue: try reader.string("protocol")) else {
                throw .tampered("a token record names an unknown protocol")
            }
            protocols.insert(proto)
        }
        let token = StoredToken(
            id: stored.key, accountKey: ref, account: account, client: client, protocols: protocols,
            createdAt: try reader.date("created"), lastUsedAt: try reader.optionalDate("last used"),
            expiresAt: try reader.optionalDate("expires"), secretHash: try reader.bytes("hash"), stored: stored)
        try reader.finish()
        return token
    }

    /// Buffers this token's (re-sealed) row in `ledger`.
    mutating func save(in ledger: Ledger) throws(VaultError) {
        var writer = ByteWriter()
        writer.append(account)
        writer.append(client)
        let ordered = MailProtocol.allCases.filter(protocols.contains)
        writer.append(ordered.count)
        for proto in ordered { writer.append(proto.rawValue) }
        writer.append(createdAt)
        writer.append(lastUsedAt)
        writer.append(expiresAt)
        writer.append(secretHash)
        stored = StoredRecord(kind: .token, key: id, ref: accountKey,
                              body: try SealedRecord.seal(writer.bytes, kind: .token, key: id, keys: ledger.keys.ring))
        try ledger.put(stored)
    }
}
