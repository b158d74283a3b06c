import Foundation
import VaultCrypto

/// Appends to, reads and verifies the audit log (DESIGN.md rule 5, docs/format.md).
///
/// A record's event, account, lease, token, actor and detail are sealed; its number and time
/// are not. Records are chained by ``AuditChain``; the state row commits to the last one.
enum AuditLog {
    /// What an audit record says. Never holds a secret.
    struct Entry {
        var event: String
        var account: String? = nil
        var leaseID: String? = nil
        var tokenID: String? = nil
        var actor: String
        var detail: String = ""
    }

    /// Seals `entry` and buffers it in `ledger`, chained to the record before it.
    static func append(_ entry: Entry, at time: Date, to ledger: Ledger) throws(VaultError) {
        guard let milliseconds = StoredTime.milliseconds(time.timeIntervalSince1970) else {
            throw .invalidInput("the clock reads an impossible time")
        }
        var writer = ByteWriter(domain: "appvault-audit-body-v2")
        writer.append(entry.event)
        writer.append(entry.account)
        writer.append(entry.leaseID)
        writer.append(entry.tokenID)
        writer.append(entry.actor)
        writer.append(entry.detail)
        let body: [UInt8]
        do { body = try SecretBox.seal(publicBytes: writer.bytes, key: ledger.keys.ring.recordKey) } catch {
            throw .crypto(error.description)
        }
        ledger.appendAudit(body: body, milliseconds: milliseconds)
    }

    /// The readable form of a stored record.
    static func decode(_ stored: StoredAuditEntry, keys: borrowing KeyRing) throws(VaultError) -> AuditRecord {
        let plaintext: [UInt8]
        do { plaintext = try SecretBox.openBytes(stored.body, key: keys.recordKey) } catch {
            throw .tampered("audit record \(stored.sequence) fails authentication")
        }
        var reader = ByteReader(plaintext, what: "audit record \(stored.sequence)")
        guard try reader.string("domain") == "appvault-audit-body-v2" else {
            throw .tampered("audit record \(stored.sequence) is not an audit record")
        }
        let record = AuditRecord(
            sequence: stored.sequence, at: Date(timeIntervalSince1970: Double(stored.milliseconds) / 1000),
            event: try reader.string("event"), account: try reader.optionalString("account"),
            leaseID: try reader.optionalString("lease"), tokenID: try reader.optionalString("token"),
            actor: try reader.string("actor"), detail: try reader.string("detail"), mac: Hex.encode(stored.mac))
        try reader.finish()
        return record
    }

    /// Walks the chain from record 1 and compares its end with the state row. Returns one line per
    /// problem and the records that decoded.
    static func walk(_ reader: any StoreReader, state: StoredState, keys: borrowing KeyRing)
        throws(VaultError) -> (records: [AuditRecord], problems: [String])
    {
        var problems = [String]()
        var records = [AuditRecord]()
        var expected: Int64 = 1
        var previous = AuditChain.genesis
        var last: StoredAuditEntry?
        chain: while true {
            let batch = try StoreCall.run { try reader.auditEntries(after: expected - 1, limit: 1000) }
            if batch.isEmpty { break }
            for entry in batch {
                if entry.sequence != expected {
                    problems.append(entry.sequence > expected
                        ? "records \(expected)...\(entry.sequence - 1) are missing (removed)"
                        : "record \(entry.sequence) is out of order")
                }
                let computed = AuditChain.mac(sequence: entry.sequence, milliseconds: entry.milliseconds, body: entry.body,
                                              previous: previous, keys: keys)
                if !KeyedHash.constantTimeEquals(computed, entry.mac) {
                    problems.append("record \(entry.sequence) does not match its MAC: edited, reordered or follows a removed record")
                }
                do { records.append(try decode(entry, keys: keys)) } catch { problems.append(error.description) }
                previous = entry.mac
                last = entry
                // Only an edited row holds the largest number; nothing can follow it.
                guard entry.sequence < Int64.max else {
                    problems.append("record \(entry.sequence) has a number no vault reaches: edited")
                    break chain
                }
                expected = entry.sequence + 1
            }
        }
        let lastSequence = last?.sequence ?? 0
        if lastSequence < state.auditSequence {
            problems.append("records \(lastSequence + 1)...\(state.auditSequence) at the end are missing (the log was cut off)")
        } else if lastSequence > state.auditSequence {
            problems.append("the log holds records after the recorded end (\(state.auditSequence)): added without the key, or the state row was rolled back")
        } else if !KeyedHash.constantTimeEquals(last?.mac ?? AuditChain.genesis, state.auditChain) {
            problems.append("the last record does not match the recorded end of the log")
        }
        return (records, problems)
    }
}
