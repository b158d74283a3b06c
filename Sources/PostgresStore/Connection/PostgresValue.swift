/// A statement parameter in PostgreSQL's binary format.
enum PostgresValue {
    case bytes([UInt8])
    case int64(Int64)
    case int16(Int16)
    case text(String)
    case int64Array([Int64])
    case bytesArray([[UInt8]])
    case null

    /// Type OIDs (`pg_type.oid`), fixed since PostgreSQL 7.
    enum OID {
        static let bytea: UInt32 = 17
        static let int8: UInt32 = 20
        static let int2: UInt32 = 21
        static let int4: UInt32 = 23
        static let text: UInt32 = 25
        static let int8Array: UInt32 = 1016
        static let byteaArray: UInt32 = 1001
    }

    var oid: UInt32 {
        switch self {
        case .bytes: OID.bytea
        case .int64: OID.int8
        case .int16: OID.int2
        case .text: OID.text
        case .int64Array: OID.int8Array
        case .bytesArray: OID.byteaArray
        case .null: 0
        }
    }

    /// The binary encoding, nil for SQL NULL.
    var encoded: [UInt8]? {
        switch self {
        case .bytes(let bytes): bytes
        case .int64(let value): Self.bigEndian(value)
        case .int16(let value): Self.bigEndian(value)
        case .text(let text): Array(text.utf8)
        case .int64Array(let values): Self.array(of: OID.int8, values.map { Self.bigEndian($0) })
        case .bytesArray(let values): Self.array(of: OID.bytea, values)
        case .null: nil
        }
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// A one-dimensional array without NULLs: dimensions, has-null flag, element type, length,
    /// lower bound, then each element's length and bytes.
    private static func array(of element: UInt32, _ items: [[UInt8]]) -> [UInt8] {
        if items.isEmpty { return bigEndian(Int32(0)) + bigEndian(Int32(0)) + bigEndian(element) }
        var out = bigEndian(Int32(1)) + bigEndian(Int32(0)) + bigEndian(element)
        out += bigEndian(Int32(items.count)) + bigEndian(Int32(1))
        for item in items { out += bigEndian(Int32(item.count)) + item }
        return out
    }
}
