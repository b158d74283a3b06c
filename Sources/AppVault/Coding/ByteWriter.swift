/// Builds the unambiguous byte strings that hashes and MACs are computed over:
/// every variable-length field is preceded by its length.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(domain: String) { append(domain) }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int64) { append(UInt64(bitPattern: value)) }

    mutating func append(_ value: Int) { append(Int64(value)) }

    mutating func append(_ data: [UInt8]) {
        append(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func append(_ text: String) { append(Array(text.utf8)) }

    mutating func append(_ text: String?) {
        if let text { bytes.append(1); append(text) } else { bytes.append(0) }
    }
}
