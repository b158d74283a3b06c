import VaultCrypto

/// The audit log's hash chain (DESIGN.md rule 5): record *n*'s MAC is keyed BLAKE2b (audit
/// subkey) over *n*, its time, its sealed body and record *n-1*'s MAC. The state row holds the
/// last number and MAC, under its own MAC, so a record edited, removed, reordered or cut off the
/// end is found.
enum AuditChain {
    /// The "previous MAC" of record 1.
    static let genesis = [UInt8](repeating: 0, count: 32)

    static func mac(sequence: Int64, milliseconds: Int64, body: [UInt8], previous: [UInt8],
                    keys: borrowing KeyRing) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-audit-v2")
        writer.append(sequence)
        writer.append(previous)
        writer.append(milliseconds)
        writer.append(body)
        return KeyedHash.hash(writer.bytes, key: keys.auditKey)
    }
}
