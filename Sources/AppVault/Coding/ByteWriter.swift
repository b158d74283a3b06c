import Foundation

/// Builds unambiguous byte strings: the input of hashes and MACs, and the plaintext of sealed
/// records. Every variable-length field is preceded by its length, so no two different field
/// sequences produce the same bytes. ``ByteReader`` reads them back.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    /// A writer whose output starts with `domain`, which separates the uses of one key.
    init(domain: String) { append(domain) }

    /// A writer with no domain prefix (record payloads, whose domain is their record kind).
    init() {}

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int64) { append(UInt64(bitPattern: value)) }

    mutating func append(_ value: Int) { append(Int64(value)) }

    mutating func append(_ value: UInt8) { bytes.append(value) }

    mutating func append(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func append(_ data: [UInt8]) {
        append(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func append(_ text: String) { append(Array(text.utf8)) }

    mutating func append(_ text: String?) {
        if let text { bytes.append(1); append(text) } else { bytes.append(0) }
    }

    mutating func append(_ data: [UInt8]?) {
        if let data { bytes.append(1); append(data) } else { bytes.append(0) }
    }

    /// A time as whole milliseconds since 1970 (see ``StoredTime``).
    mutating func append(_ date: Date) {
        append(StoredTime.milliseconds(date.timeIntervalSince1970) ?? 0)
    }

    mutating func append(_ date: Date?) {
        if let date { bytes.append(1); append(date) } else { bytes.append(0) }
    }
}
