import VaultCrypto

/// One transaction's verified view of a vault's store (DESIGN.md rules 3 and 4).
///
/// Reads come from the store and are checked against the integrity tree, up to the root in the
/// state row whose MAC is checked first; a row that was edited, swapped, deleted from a lookup or
/// restored from a backup no longer matches and is reported as ``VaultError/tampered(_:)``.
/// Writes are buffered here and land together in ``commit()``: the records, the tree nodes they
/// change, the audit records, and a new state row with a new MAC. ``checkpoint()`` and
/// ``restore(_:)`` undo the buffered effects of one operation, so several operations can share
/// one store transaction.
final class Ledger {
    /// A record's identity.
    struct RecordID: Hashable {
        var kind: RecordKind
        var key: [UInt8]
    }

    /// A buffered change of one record.
    enum Change {
        case put(StoredRecord)
        /// A delete, with the leaf of the record it removes.
        case delete(leaf: Int)
    }

    /// The buffered state of the transaction, to undo one operation.
    struct Checkpoint {
        fileprivate var changes: [RecordID: Change]
        fileprivate var audit: [StoredAuditEntry]
    }

    private let reader: any StoreReader
    private let writer: (any StoreWriter)?
    let keys: Vault.KeyBox
    let vaultID: [UInt8]
    /// The committed state this transaction started from, its MAC checked.
    let committed: StoredState

    /// Committed tree nodes read so far, by id.
    private var nodes: [Int64: [UInt8]] = [:]
    /// Committed leaves whose path to the root was checked, with their entries.
    private var verifiedLeaves: [Int: [LeafEntry]] = [:]
    /// The leaf of each committed record read in this transaction: a record written back with
    /// another `ref` moves out of it.
    private var readLeaves: [RecordID: Int] = [:]
    private var changes: [RecordID: Change] = [:]
    private var pendingAudit: [StoredAuditEntry] = []
    private var headerChanged = false

    /// A read-only view of the snapshot `reader` sees.
    init(reader: any StoreReader, keys: Vault.KeyBox, vaultID: [UInt8]) throws(VaultError) {
        self.reader = reader
        self.writer = nil
        self.keys = keys
        self.vaultID = vaultID
        committed = try Self.checkedState(try StoreCall.run { try reader.state() }, keys: keys, vaultID: vaultID)
    }

    /// A view of a write transaction; the state row is locked against other writers.
    init(writer: any StoreWriter, keys: Vault.KeyBox, vaultID: [UInt8]) throws(VaultError) {
        self.reader = writer
        self.writer = writer
        self.keys = keys
        self.vaultID = vaultID
        committed = try Self.checkedState(try StoreCall.run { try writer.lockedState() }, keys: keys, vaultID: vaultID)
    }

    /// The state of a new vault, before its first commit.
    static func genesisState(keys: Vault.KeyBox, vaultID: [UInt8]) -> StoredState {
        var state = StoredState(counter: 0, auditSequence: 0, auditChain: AuditChain.genesis,
                                treeRoot: IntegrityTree.emptyRoot, mac: [])
        state.mac = StateMAC.compute(state, vaultID: vaultID, keys: keys.ring)
        return state
    }

    private static func checkedState(_ state: StoredState?, keys: Vault.KeyBox, vaultID: [UInt8]) throws(VaultError) -> StoredState {
        guard let state else { throw .tampered("the vault's state row is missing") }
        guard KeyedHash.constantTimeEquals(state.mac, StateMAC.compute(state, vaultID: vaultID, keys: keys.ring)) else {
            throw .tampered("the vault's state row does not match its MAC (edited, or copied from another vault or a backup)")
        }
        return state
    }

    // MARK: - Reading

    /// The record `kind`/`key`, checked; nil when there is none.
    ///
    /// The absence of an account is proved by its leaf too. Other kinds live in their account's
    /// leaf, which a missing row does not name, so a deleted lease or token reads as unknown
    /// (a refusal) here and is reported by ``verifyEverything()``.
    func record(_ kind: RecordKind, key: [UInt8]) throws(VaultError) -> StoredRecord? {
        let id = RecordID(kind: kind, key: key)
        if let change = changes[id] {
            if case .put(let record) = change { return record }
            return nil
        }
        let stored = try StoreCall.run { try reader.record(kind, key: key) }
        if let stored {
            try check(stored)
        } else if kind == .account {
            let leaf = try verifiedLeaf(IntegrityTree.leafIndex(locator: key))
            guard !leaf.contains(where: { $0.names(kind, key) }) else {
                throw .tampered("an account row was deleted from the vault file")
            }
        }
        return stored
    }

    /// Every record of `kind` that belongs to the account with record key `ref`, checked to be
    /// complete: a row deleted or hidden from this list is reported as tampering.
    func records(_ kind: RecordKind, ref: [UInt8]) throws(VaultError) -> [StoredRecord] {
        let leafIndex = IntegrityTree.leafIndex(locator: ref)
        let entries = try verifiedLeaf(leafIndex)
        let refTag = LeafEntry.refTag(ref)
        let stored = try StoreCall.run { try reader.records(kind, ref: ref) }
        let expected = entries.filter { $0.kind == kind.rawValue && $0.refTag == refTag }
        let found = stored.map(LeafEntry.init)
        guard found.count == expected.count, Set(found.map(\.key)) == Set(expected.map(\.key)),
              found.allSatisfy({ entry in expected.contains(entry) })
        else { throw .tampered("the \(kind) rows of an account do not match the vault's integrity tree (edited, removed, added or restored)") }
        for record in stored { readLeaves[RecordID(kind: kind, key: record.key)] = leafIndex }
        return merged(stored, kind: kind) { $0.ref == ref }
    }

    /// Every record of `kind` whose `tag` is `tag`, each checked (used for counting).
    func records(_ kind: RecordKind, tag: [UInt8]) throws(VaultError) -> [StoredRecord] {
        let stored = try StoreCall.run { try reader.records(kind, tag: tag) }
        try check(stored)
        return merged(stored, kind: kind) { $0.tag == tag }
    }

    /// Every record of `kind`. With `complete`, the whole tree is recomputed first, so a row
    /// removed from the file is found too; without, each row is checked on its own.
    func records(_ kind: RecordKind, complete: Bool) throws(VaultError) -> [StoredRecord] {
        let stored = try StoreCall.run { try reader.records(kind) }
        if complete {
            let problems = try treeProblems()
            guard problems.isEmpty else { throw .tampered(problems[0]) }
            let expected = verifiedLeaves.values.flatMap { $0 }.filter { $0.kind == kind.rawValue }
            let found = stored.map(LeafEntry.init)
            guard Set(found.map(\.key)) == Set(expected.map(\.key)), found.count == expected.count,
                  found.allSatisfy({ expected.contains($0) })
            else { throw .tampered("the \(kind) rows do not match the vault's integrity tree (edited, removed, added or restored)") }
            for record in stored {
                readLeaves[RecordID(kind: kind, key: record.key)] = IntegrityTree.leafIndex(of: kind, key: record.key, ref: record.ref)
            }
        } else {
            try check(stored)
        }
        return merged(stored, kind: kind) { _ in true }
    }

    /// Applies buffered changes to rows read from the store.
    private func merged(_ stored: [StoredRecord], kind: RecordKind, where matches: (StoredRecord) -> Bool) -> [StoredRecord] {
        var result = stored.filter { changes[RecordID(kind: kind, key: $0.key)] == nil }
        for (id, change) in changes where id.kind == kind {
            if case .put(let record) = change, matches(record) { result.append(record) }
        }
        return result
    }

    /// Checks that each of `records` is in the tree exactly as stored, reading the tree paths of
    /// all their leaves first, a thousand nodes per store call (a shared store answers each call
    /// over the network; records spread over many leaves would otherwise cost a round trip each).
    private func check(_ records: [StoredRecord]) throws(VaultError) {
        var missing = Set<Int64>()
        for record in records {
            let index = IntegrityTree.leafIndex(of: record.kind, key: record.key, ref: record.ref)
            guard verifiedLeaves[index] == nil else { continue }
            for level in 0...IntegrityTree.height {
                let id = IntegrityTree.nodeID(level: level, index: IntegrityTree.ancestor(of: index, level: level))
                if nodes[id] == nil { missing.insert(id) }
            }
        }
        let ids = Array(missing)
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let batch = Array(ids[start..<min(start + 1000, ids.count)])
            let fetched = try StoreCall.run { try reader.treeNodes(batch) }
            for id in batch { nodes[id] = fetched[id] ?? IntegrityTree.emptyBlob(level: Int(id >> 32)) }
        }
        for record in records { try check(record) }
    }

    /// Checks that `record` is in the tree exactly as stored.
    private func check(_ record: StoredRecord) throws(VaultError) {
        let index = IntegrityTree.leafIndex(of: record.kind, key: record.key, ref: record.ref)
        let leaf = try verifiedLeaf(index)
        let entry = LeafEntry(record)
        guard leaf.contains(entry) else {
            throw .tampered("a \(record.kind) row does not match the vault's integrity tree (edited, or restored from an older copy)")
        }
        readLeaves[RecordID(kind: record.kind, key: record.key)] = index
    }

    /// The committed entries of leaf `index`, after checking its path up to the root.
    private func verifiedLeaf(_ index: Int) throws(VaultError) -> [LeafEntry] {
        if let entries = verifiedLeaves[index] { return entries }
        let ids = (0...IntegrityTree.height).map { level in
            IntegrityTree.nodeID(level: level, index: IntegrityTree.ancestor(of: index, level: level))
        }
        let missing = ids.filter { nodes[$0] == nil }
        if !missing.isEmpty {
            let fetched = try StoreCall.run { try reader.treeNodes(missing) }
            for id in missing { nodes[id] = fetched[id] ?? IntegrityTree.emptyBlob(level: Int(id >> 32)) }
        }
        var childDigest = IntegrityTree.digest(level: 0, blob: nodes[ids[0]]!)
        for level in 1...IntegrityTree.height {
            let blob = nodes[ids[level]]!
            guard let stored = IntegrityTree.child(IntegrityTree.slot(of: index, level: level), of: blob),
                  KeyedHash.constantTimeEquals(stored, childDigest)
            else { throw .tampered("the vault's integrity tree does not match its records (a row was edited, removed or restored)") }
            childDigest = IntegrityTree.digest(level: level, blob: blob)
        }
        guard KeyedHash.constantTimeEquals(childDigest, committed.treeRoot) else {
            throw .tampered("the vault's integrity tree does not match its state row (rows restored from an older copy?)")
        }
        let entries = try LeafCoding.decode(nodes[ids[0]]!)
        verifiedLeaves[index] = entries
        return entries
    }

    /// Recomputes the whole tree from its leaves and compares every stored node and the root.
    /// Returns one line per problem; afterwards every leaf counts as verified.
    func treeProblems() throws(VaultError) -> [String] {
        let all = try StoreCall.run { try reader.allTreeNodes() }
        var problems = [String]()
        var digests = [Int: [UInt8]]()
        var leaves = [Int: [LeafEntry]]()
        for (id, blob) in all where id >> 32 == 0 {
            let index = Int(id & 0xFFFF_FFFF)
            guard index < IntegrityTree.leafCount else { problems.append("the integrity tree has a leaf out of range"); continue }
            do { leaves[index] = try LeafCoding.decode(blob) } catch { problems.append("integrity-tree leaf \(index) is malformed") }
            digests[index] = IntegrityTree.digest(level: 0, blob: blob)
        }
        for level in 1...IntegrityTree.height {
            var parents = [Int: [UInt8]]()
            for child in digests.keys {
                let parent = child >> 4
                guard parents[parent] == nil else { continue }
                var blob = IntegrityTree.emptyBlob(level: level)
                for slot in 0..<IntegrityTree.fanout {
                    if let digest = digests[parent << 4 | slot] { blob = IntegrityTree.replacing(slot, in: blob, with: digest) }
                }
                let stored = all[IntegrityTree.nodeID(level: level, index: parent)] ?? IntegrityTree.emptyBlob(level: level)
                if stored != blob { problems.append("integrity-tree node \(level)/\(parent) does not match its children") }
                parents[parent] = blob
            }
            digests = parents.mapValues { IntegrityTree.digest(level: level, blob: $0) }
        }
        let root = digests[0] ?? IntegrityTree.emptyRoot
        if !KeyedHash.constantTimeEquals(root, committed.treeRoot) {
            problems.append("the records do not match the state row's commitment (rows edited, removed, added or restored from an older copy)")
        }
        if problems.isEmpty {
            for (index, entries) in leaves { verifiedLeaves[index] = entries }
            nodes.merge(all) { current, _ in current }
        }
        return problems
    }

    /// Checks every record of every kind against the tree: each stored row must be an entry and
    /// each entry a stored row. Used by `audit --verify`.
    func recordProblems() throws(VaultError) -> [String] {
        var problems = try treeProblems()
        guard problems.isEmpty else { return problems }
        let entries = verifiedLeaves.values.flatMap { $0 }
        for kind in RecordKind.allCases {
            let stored = try StoreCall.run { try reader.records(kind) }.map(LeafEntry.init)
            let expected = entries.filter { $0.kind == kind.rawValue }
            let storedKeys = Set(stored.map(\.key)), expectedKeys = Set(expected.map(\.key))
            let missing = expectedKeys.subtracting(storedKeys).count
            let extra = storedKeys.subtracting(expectedKeys).count
            let edited = stored.filter { entry in expectedKeys.contains(entry.key) && !expected.contains(entry) }.count
            if missing > 0 { problems.append("\(missing) \(kind) row(s) were removed from the vault") }
            if extra > 0 { problems.append("\(extra) \(kind) row(s) were added without the vault key") }
            if edited > 0 { problems.append("\(edited) \(kind) row(s) were edited or restored from an older copy") }
        }
        return problems
    }

    // MARK: - Writing

    /// Buffers `record` to be stored (inserted or replaced) at commit. Its leaf follows its `ref`:
    /// a record whose `ref` changes must have been read in this transaction, so that it leaves
    /// the leaf it was in (a lease moves out of its account's leaf when it ends).
    func put(_ record: StoredRecord) throws(VaultError) {
        guard record.key.count <= StoredRecord.maximumKeyBytes, (record.ref?.count ?? 0) <= StoredRecord.maximumKeyBytes,
              (record.tag?.count ?? 0) <= StoredRecord.maximumKeyBytes
        else { throw .invalidInput("a record key is longer than \(StoredRecord.maximumKeyBytes) bytes") }
        changes[RecordID(kind: record.kind, key: record.key)] = .put(record)
    }

    /// Buffers the removal of `record` (as read in this transaction) at commit.
    func delete(_ record: StoredRecord) {
        changes[RecordID(kind: record.kind, key: record.key)] =
            .delete(leaf: IntegrityTree.leafIndex(of: record.kind, key: record.key, ref: record.ref))
    }

    /// Buffers an audit record with a sealed `body` at `milliseconds`, chained to the previous one.
    func appendAudit(body: [UInt8], milliseconds: Int64) {
        let previous = pendingAudit.last.map { ($0.sequence, $0.mac) } ?? (committed.auditSequence, committed.auditChain)
        let sequence = previous.0 + 1
        let mac = AuditChain.mac(sequence: sequence, milliseconds: milliseconds, body: body, previous: previous.1,
                                 keys: keys.ring)
        pendingAudit.append(StoredAuditEntry(sequence: sequence, milliseconds: milliseconds, body: body, mac: mac))
    }

    /// Replaces the header row now (a new credential); the header has its own MAC.
    func putHeader(_ header: StoredHeader) throws(VaultError) {
        guard let writer else { preconditionFailure("putHeader on a read-only ledger") }
        try StoreCall.run { try writer.putHeader(header) }
        headerChanged = true
    }

    /// Whether anything is buffered.
    var hasChanges: Bool { !changes.isEmpty || !pendingAudit.isEmpty || headerChanged }

    func checkpoint() -> Checkpoint { Checkpoint(changes: changes, audit: pendingAudit) }

    func restore(_ checkpoint: Checkpoint) {
        changes = checkpoint.changes
        pendingAudit = checkpoint.audit
    }

    /// Writes every buffered change, the tree nodes they change and a new MAC'd state row.
    /// Returns the new state.
    @discardableResult
    func commit() throws(VaultError) -> StoredState {
        guard let writer else { preconditionFailure("commit on a read-only ledger") }
        var leafChanges = [Int: [RecordID: Change]]()
        for (id, change) in changes {
            let leaf: Int
            switch change {
            case .put(let record):
                leaf = IntegrityTree.leafIndex(of: record.kind, key: record.key, ref: record.ref)
                // Written back with another ref: it leaves the leaf it was read from.
                if let previous = readLeaves[id], previous != leaf { leafChanges[previous, default: [:]][id] = .delete(leaf: previous) }
            case .delete(let index): leaf = index
            }
            leafChanges[leaf, default: [:]][id] = change
        }
        var updated = [Int64: [UInt8]]()
        var digests = [Int: [UInt8]]()
        for (leaf, leafChange) in leafChanges {
            let replaced = Set(leafChange.keys.map { [$0.kind.rawValue] + $0.key })
            var entries = try verifiedLeaf(leaf).filter { !replaced.contains([$0.kind] + $0.key) }
            for case .put(let record) in leafChange.values { entries.append(LeafEntry(record)) }
            let blob = LeafCoding.encode(entries)
            updated[IntegrityTree.nodeID(level: 0, index: leaf)] = blob
            digests[leaf] = IntegrityTree.digest(level: 0, blob: blob)
        }
        for level in 1...IntegrityTree.height {
            var parents = [Int: [UInt8]]()
            for (child, digest) in digests {
                let parent = child >> 4
                let id = IntegrityTree.nodeID(level: level, index: parent)
                let base = parents[parent] ?? updated[id] ?? nodes[id] ?? IntegrityTree.emptyBlob(level: level)
                parents[parent] = IntegrityTree.replacing(child & (IntegrityTree.fanout - 1), in: base, with: digest)
            }
            digests = [:]
            for (parent, blob) in parents {
                updated[IntegrityTree.nodeID(level: level, index: parent)] = blob
                digests[parent] = IntegrityTree.digest(level: level, blob: blob)
            }
        }
        var state = committed
        state.counter += 1
        if let root = digests[0] { state.treeRoot = root }
        if let last = pendingAudit.last {
            state.auditSequence = last.sequence
            state.auditChain = last.mac
        }
        state.mac = StateMAC.compute(state, vaultID: vaultID, keys: keys.ring)
        let records = changes
        let audit = pendingAudit
        try StoreCall.run {
            for (id, change) in records {
                switch change {
                case .put(let record): try writer.put(record)
                case .delete: try writer.delete(id.kind, key: id.key)
                }
            }
            try writer.putTreeNodes(updated)
            for entry in audit { try writer.appendAudit(entry) }
            try writer.putState(state)
        }
        return state
    }
}

/// Runs a store call, passing ``VaultError``s through and mapping anything else to a storage error.
enum StoreCall {
    static func run<T>(_ body: () throws -> T) throws(VaultError) -> T {
        do { return try body() } catch let error as VaultError { throw error } catch {
            throw .storage(String(describing: error))
        }
    }
}
