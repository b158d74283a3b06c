import VaultCrypto

/// The shape and hashing of the integrity tree that commits to every record (docs/format.md).
///
/// 65 536 leaves under four levels of 16-way nodes. A record sits in the leaf chosen by the
/// digest of its account's key (its `ref`, or its own key for an account), so an account and
/// everything that belongs to it share one leaf: checking them all costs one leaf and one path.
/// A leaf's bytes list its entries; an internal node's bytes are its 16 children's digests; the
/// root's digest is in the MAC'd state row. Editing, deleting, adding or restoring any record
/// changes its leaf's digest and so the root: a row copied back from a backup no longer matches.
enum IntegrityTree {
    static let fanout = 16
    /// Levels above the leaves; the root is the single node of the top level.
    static let height = 4
    static let leafCount = 1 << 16
    static let digestBytes = 32

    /// The row id of node `index` on `level` (0 = leaves).
    static func nodeID(level: Int, index: Int) -> Int64 { Int64(level) << 32 | Int64(index) }

    /// The leaf that holds records located by `locator` (an account's record key).
    static func leafIndex(locator: [UInt8]) -> Int {
        let digest = KeyedHash.digest(locator, length: 16)
        return Int(digest[0]) << 8 | Int(digest[1])
    }

    /// The leaf of `record`.
    static func leafIndex(of kind: RecordKind, key: [UInt8], ref: [UInt8]?) -> Int {
        leafIndex(locator: ref ?? key)
    }

    /// The index on `level` of the ancestor of leaf `leaf`.
    static func ancestor(of leaf: Int, level: Int) -> Int { leaf >> (4 * level) }

    /// The slot of `leaf`'s ancestor on `level - 1` within its parent on `level`.
    static func slot(of leaf: Int, level: Int) -> Int { (leaf >> (4 * (level - 1))) & (fanout - 1) }

    /// The digest of a node's bytes.
    static func digest(level: Int, blob: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-tree-v2")
        writer.append(level)
        writer.append(blob)
        return KeyedHash.digest(writer.bytes)
    }

    /// The bytes of an empty node on `level`.
    static func emptyBlob(level: Int) -> [UInt8] {
        level == 0 ? [] : Array(repeating: emptyDigests[level - 1], count: fanout).flatMap { $0 }
    }

    /// The digest of an empty node on each level, leaves first.
    static let emptyDigests: [[UInt8]] = {
        var digests = [digest(level: 0, blob: [])]
        for level in 1...height {
            digests.append(digest(level: level, blob: Array(repeating: digests[level - 1], count: fanout).flatMap { $0 }))
        }
        return digests
    }()

    /// The root digest of a vault with no records.
    static var emptyRoot: [UInt8] { emptyDigests[height] }

    /// Child `slot`'s digest within an internal node's bytes, or nil if the bytes are malformed.
    static func child(_ slot: Int, of blob: [UInt8]) -> [UInt8]? {
        guard blob.count == fanout * digestBytes else { return nil }
        return Array(blob[(slot * digestBytes)..<((slot + 1) * digestBytes)])
    }

    /// `blob` with child `slot` replaced by `digest`.
    static func replacing(_ slot: Int, in blob: [UInt8], with digest: [UInt8]) -> [UInt8] {
        var updated = blob
        updated.replaceSubrange((slot * digestBytes)..<((slot + 1) * digestBytes), with: digest)
        return updated
    }
}
