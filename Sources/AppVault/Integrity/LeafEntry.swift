import VaultCrypto

/// One record as the integrity tree sees it: its identity and the digest of its stored bytes.
struct LeafEntry: Sendable, Equatable, Comparable {
    var kind: UInt8
    var key: [UInt8]
    /// The first 8 bytes of the digest of the record's `ref` (zeros without one), so the tree
    /// also proves which records belong to an account: none can be hidden from a lookup by account.
    var refTag: [UInt8]
    /// BLAKE2b over everything the store holds for the record.
    var hash: [UInt8]

    static let refTagBytes = 8
    static let hashBytes = 32

    /// The entry for `record` as stored now.
    init(_ record: StoredRecord) {
        kind = record.kind.rawValue
        key = record.key
        refTag = Self.refTag(record.ref)
        var writer = ByteWriter(domain: "appvault-record-v2")
        writer.append(record.kind.rawValue)
        writer.append(record.key)
        writer.append(record.ref)
        writer.append(record.tag)
        writer.append(record.body)
        hash = KeyedHash.digest(writer.bytes)
    }

    init(kind: UInt8, key: [UInt8], refTag: [UInt8], hash: [UInt8]) {
        self.kind = kind
        self.key = key
        self.refTag = refTag
        self.hash = hash
    }

    static func refTag(_ ref: [UInt8]?) -> [UInt8] {
        guard let ref else { return [UInt8](repeating: 0, count: refTagBytes) }
        return Array(KeyedHash.digest(ref, length: 16).prefix(refTagBytes))
    }

    /// Entries are kept sorted by kind, then key, so a leaf has one encoding.
    static func < (lhs: LeafEntry, rhs: LeafEntry) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind < rhs.kind }
        return lhs.key.lexicographicallyPrecedes(rhs.key)
    }

    /// Whether this entry is the record `kind`/`key`.
    func names(_ kind: RecordKind, _ key: [UInt8]) -> Bool { self.kind == kind.rawValue && self.key == key }
}

/// The byte form of a leaf: its entries, sorted, each `kind u8 | key length u8 | key | refTag | hash`.
enum LeafCoding {
    static func encode(_ entries: [LeafEntry]) -> [UInt8] {
        var out = [UInt8]()
        for entry in entries.sorted() {
            out.append(entry.kind)
            out.append(UInt8(entry.key.count))
            out += entry.key
            out += entry.refTag
            out += entry.hash
        }
        return out
    }

    /// Decodes a leaf; a leaf that is not in canonical form is tampering (the tree check above it
    /// already passed, so this only fails for a forged tree, or a bug).
    static func decode(_ bytes: [UInt8]) throws(VaultError) -> [LeafEntry] {
        var entries = [LeafEntry]()
        var index = 0
        while index < bytes.count {
            guard bytes.count - index >= 2 else { throw malformed }
            let kind = bytes[index]
            let keyCount = Int(bytes[index + 1])
            index += 2
            let need = keyCount + LeafEntry.refTagBytes + LeafEntry.hashBytes
            guard keyCount <= StoredRecord.maximumKeyBytes, bytes.count - index >= need else { throw malformed }
            let key = Array(bytes[index..<(index + keyCount)])
            index += keyCount
            let refTag = Array(bytes[index..<(index + LeafEntry.refTagBytes)])
            index += LeafEntry.refTagBytes
            let hash = Array(bytes[index..<(index + LeafEntry.hashBytes)])
            index += LeafEntry.hashBytes
            let entry = LeafEntry(kind: kind, key: key, refTag: refTag, hash: hash)
            if let last = entries.last, !(last < entry) { throw malformed }
            entries.append(entry)
        }
        return entries
    }

    private static var malformed: VaultError { .tampered("an integrity-tree leaf is malformed") }
}
