import Foundation
import GRDB
import VaultCrypto

/// Appends to and verifies the audit log (DESIGN.md rule 5).
///
/// Record *n*'s MAC is keyed BLAKE2b (audit subkey) over *n*'s fields and record *n-1*'s MAC;
/// the `audit_head` row holds the last sequence number and MAC, so removal of records at the
/// end is found too.
enum AuditLog {
    static let genesis = [UInt8](repeating: 0, count: 32)

    struct Entry {
        var event: String
        var account: String? = nil
        var leaseID: String? = nil
        var actor: String
        var detail: String = ""
    }

    static func append(_ entry: Entry, at time: Date, keys: borrowing KeyRing, in db: Database) throws {
        let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, mac FROM audit_head WHERE id = 1"))
        let previousSequence: Int64 = try head?.required("seq") ?? 0
        let previousMAC: [UInt8] = (try head?.optional("mac", as: Data.self)).map(Array.init) ?? genesis
        let sequence = previousSequence + 1
        guard let milliseconds = StoredTime.milliseconds(time.timeIntervalSince1970) else {
            throw VaultError.invalidInput("the clock reads an impossible time")
        }
        let mac = self.mac(sequence: sequence, milliseconds: milliseconds, entry: entry,
                           previousMAC: previousMAC, keys: keys)
        try db.cachedStatement(
            sql: "INSERT INTO audit_log (seq, at, event, account, lease_id, actor, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [sequence, Double(milliseconds) / 1000, entry.event, entry.account, entry.leaseID,
                        entry.actor, entry.detail, Data(mac)])
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO audit_head (id, seq, mac) VALUES (1, ?, ?)")
            .execute(arguments: [sequence, Data(mac)])
    }

    private static func mac(sequence: Int64, milliseconds: Int64, entry: Entry, previousMAC: [UInt8],
                            keys: borrowing KeyRing) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-audit-v1")
        writer.append(sequence)
        writer.append(previousMAC)
        writer.append(milliseconds)
        writer.append(entry.event)
        writer.append(entry.account)
        writer.append(entry.leaseID)
        writer.append(entry.actor)
        writer.append(entry.detail)
        return KeyedHash.hash(writer.bytes, key: keys.auditKey)
    }

    static func records(_ db: Database) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq").map { row in
            AuditRecord(
                sequence: try row.required("seq"), at: Date(timeIntervalSince1970: try row.required("at")), event: try row.required("event"),
                account: try row.optional("account"), leaseID: try row.optional("lease_id"), actor: try row.required("actor"), detail: try row.required("detail"),
                mac: hex(Array(try row.optional("mac", as: Data.self) ?? Data())))
        }
    }

    static func verify(_ db: Database, keys: borrowing KeyRing) throws -> AuditVerification {
        var problems: [String] = []
        var expectedSequence: Int64 = 1
        var previousMAC = genesis
        var count = 0
        for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq") {
            count += 1
            let sequence: Int64 = try row.required("seq")
            if sequence != expectedSequence {
                problems.append(sequence > expectedSequence
                    ? "records \(expectedSequence)...\(sequence - 1) are missing (removed)"
                    : "record \(sequence) is out of order")
            }
            let at: Double = try row.required("at")
            let entry = Entry(event: try row.required("event"), account: try row.optional("account"), leaseID: try row.optional("lease_id"),
                              actor: try row.required("actor"), detail: try row.required("detail"))
            let stored = Array(try row.optional("mac", as: Data.self) ?? Data())
            let computed = StoredTime.milliseconds(at).map {
                mac(sequence: sequence, milliseconds: $0, entry: entry, previousMAC: previousMAC, keys: keys)
            }
            if computed.map({ !KeyedHash.constantTimeEquals(stored, $0) }) ?? true {
                problems.append("record \(sequence) (\(entry.event)) does not match its MAC: edited, reordered or follows a removed record")
            }
            previousMAC = stored
            expectedSequence = sequence + 1
        }
        let head = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit_head WHERE id = 1")
        let headSequence: Int64 = try head?.required("seq") ?? 0
        let headMAC = (try head?.optional("mac", as: Data.self)).map(Array.init) ?? genesis
        if headSequence != expectedSequence - 1 {
            problems.append(headSequence > expectedSequence - 1
                ? "records \(expectedSequence)...\(headSequence) at the end are missing (removed)"
                : "the log holds records after the recorded end (\(headSequence)): appended by someone without the key")
        } else if !KeyedHash.constantTimeEquals(headMAC, previousMAC) {
            problems.append("the last record does not match the recorded end of the log")
        }
        return AuditVerification(recordCount: count, problems: problems)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}
