import VaultCrypto

/// Seals and opens record bodies (docs/format.md, "Records").
///
/// The plaintext starts with the record's kind and key, so a body copied onto another row (or
/// another kind) fails to open even before the integrity tree is consulted.
enum SealedRecord {
    static func seal(_ payload: [UInt8], kind: RecordKind, key: [UInt8], keys: borrowing KeyRing) throws(VaultError) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(kind.rawValue)
        writer.append(key)
        writer.append(payload)
        do { return try SecretBox.seal(publicBytes: writer.bytes, key: keys.recordKey) } catch {
            throw .crypto(error.description)
        }
    }

    /// The payload of `record`, after checking that it was sealed for this kind and key.
    static func open(_ record: StoredRecord, keys: borrowing KeyRing) throws(VaultError) -> [UInt8] {
        let plaintext: [UInt8]
        do { plaintext = try SecretBox.openBytes(record.body, key: keys.recordKey) } catch {
            throw .tampered("a \(record.kind) record fails authentication (altered, or not sealed by this vault)")
        }
        var reader = ByteReader(plaintext, what: "\(record.kind) record")
        let kind = try reader.uint8("kind")
        let key = try reader.bytes("key")
        guard kind == record.kind.rawValue, key == record.key else {
            throw .tampered("a \(record.kind) record was moved from another row")
        }
        let payload = try reader.bytes("payload")
        try reader.finish()
        return payload
    }
}
