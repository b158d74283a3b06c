import Foundation
import VaultCrypto

/// A position in the audit log: the last record a reader has seen and its MAC.
package struct AuditCursor: Sendable, Equatable {
    package var sequence: Int64
    package var mac: [UInt8]
}

extension Vault {
    /// The audit log, oldest first. Needs the keys: details are sealed. Records that fail to
    /// decode are left out; ``verifyAudit()`` reports them.
    public func auditRecords() throws(VaultError) -> [AuditRecord] {
        let box = try keyBox()
        return try store.read { reader in
            let ledger = try Ledger(reader: reader, keys: box, vaultID: vaultID)
            return try AuditLog.walk(reader, state: ledger.committed, keys: box.ring).records
        }
    }

    /// Checks everything the vault commits to: the audit chain up to the head in the state row,
    /// every record of every kind against the integrity tree, and the rollback anchor. Reports
    /// every problem it finds (an edited, removed, reordered or cut-off audit record, an edited,
    /// removed, added or restored row, a vault older than this host last saw).
    public func verifyAudit() throws(VaultError) -> AuditVerification {
        let box = try keyBox()
        let recorded = anchor.read()
        let (count, problems, state) = try store.read { reader -> (Int, [String], StoredState) in
            let ledger = try Ledger(reader: reader, keys: box, vaultID: vaultID)
            let (records, auditProblems) = try AuditLog.walk(reader, state: ledger.committed, keys: box.ring)
            let recordProblems = try ledger.recordProblems()
            return (records.count, auditProblems + recordProblems, ledger.committed)
        }
        let verdict = anchor.check(state, against: recorded, keys: box.ring)
        return AuditVerification(recordCount: count, problems: problems + (verdict.isProblem ? [verdict.description] : []),
                                 anchor: verdict.description)
    }

    /// Makes the rollback anchor record the vault as it is now, after a deliberate restore from a
    /// backup (`audit --verify --accept-rollback`). Recorded in the audit log.
    public func acceptCurrentState() throws(VaultError) {
        let box = try keyBox()
        let now = clock.now()
        try write { ledger throws(VaultError) in
            try AuditLog.append(.init(event: "vault.accept-rollback", actor: configuration.actor,
                                      detail: "rollback anchor reset to commit \(ledger.committed.counter + 1)"),
                                at: now, to: ledger)
        }
        let state = try read { ledger throws(VaultError) in ledger.committed }
        anchor.reset(to: state, keys: box.ring)
    }

    /// Where the audit log ends now (for a reader that wants only what comes later).
    package func auditCursor() throws(VaultError) -> AuditCursor {
        try read { ledger throws(VaultError) in
            AuditCursor(sequence: ledger.committed.auditSequence, mac: ledger.committed.auditChain)
        }
    }

    /// The audit records appended after `cursor`, checked to chain on from it up to the head in
    /// the (MAC-checked) state row, and the new cursor. The agent follows changes made by other
    /// processes and hosts this way (a rotate, a revoke, a token revoke end live sessions).
    package func auditChanges(after cursor: AuditCursor) throws(VaultError) -> (AuditCursor, [AuditRecord]) {
        let box = try keyBox()
        return try store.read { reader -> (AuditCursor, [AuditRecord]) in
            let ledger = try Ledger(reader: reader, keys: box, vaultID: vaultID)
            let head = ledger.committed
            guard head.auditSequence != cursor.sequence || head.auditChain != cursor.mac else { return (cursor, []) }
            guard head.auditSequence > cursor.sequence else {
                throw VaultError.tampered("the audit log went back from record \(cursor.sequence) to \(head.auditSequence)")
            }
            var previous = cursor.mac
            var expected = cursor.sequence + 1
            var records = [AuditRecord]()
            while expected <= head.auditSequence {
                let batch = try reader.auditEntries(after: expected - 1, limit: 1000)
                guard !batch.isEmpty else { break }
                for entry in batch where entry.sequence <= head.auditSequence {
                    let mac = AuditChain.mac(sequence: entry.sequence, milliseconds: entry.milliseconds, body: entry.body,
                                             previous: previous, keys: box.ring)
                    guard entry.sequence == expected, KeyedHash.constantTimeEquals(mac, entry.mac) else {
                        throw VaultError.tampered("audit record \(entry.sequence) does not chain on from record \(expected - 1)")
                    }
                    records.append(try AuditLog.decode(entry, keys: box.ring))
                    previous = entry.mac
                    expected += 1
                }
            }
            guard expected - 1 == head.auditSequence, KeyedHash.constantTimeEquals(previous, head.auditChain) else {
                throw VaultError.tampered("the audit log does not end where the state row says")
            }
            return (AuditCursor(sequence: head.auditSequence, mac: head.auditChain), records)
        }
    }

    /// The store's commit counter, read without the keys: changes when anyone commits.
    package func commitCounterHint() throws(VaultError) -> Int64 {
        try store.commitCounterHint()
    }

    /// Waits until someone may have committed after `counter` (see ``VaultStore/waitForChange(after:timeout:)``).
    package func waitForChange(after counter: Int64, timeout: Duration) throws(VaultError) -> Int64 {
        try store.waitForChange(after: counter, timeout: timeout)
    }
}
