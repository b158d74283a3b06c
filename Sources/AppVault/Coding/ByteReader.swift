import Foundation

/// Reads what ``ByteWriter`` wrote, field by field, in the same order.
///
/// Used only on plaintext that already passed authentication (an opened secretbox), so a
/// malformed field means a format mismatch or a bug, never an attacker's choice; it is still
/// reported as ``VaultError/tampered(_:)`` rather than trapping, and every length is bounded.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0
    /// What is being read, for error messages ("account record").
    private let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var isAtEnd: Bool { offset == bytes.count }

    private func malformed(_ field: String) -> VaultError {
        .tampered("the \(what) is malformed (\(field))")
    }

    mutating func uint64(_ field: String) throws(VaultError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw malformed(field) }
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return value
    }

    mutating func int64(_ field: String) throws(VaultError) -> Int64 {
        Int64(bitPattern: try uint64(field))
    }

    mutating func int(_ field: String) throws(VaultError) -> Int {
        let value = try int64(field)
        guard let result = Int(exactly: value) else { throw malformed(field) }
        return result
    }

    mutating func uint8(_ field: String) throws(VaultError) -> UInt8 {
        guard offset < bytes.count else { throw malformed(field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool(_ field: String) throws(VaultError) -> Bool {
        switch try uint8(field) {
        case 0: return false
        case 1: return true
        default: throw malformed(field)
        }
    }

    mutating func bytes(_ field: String) throws(VaultError) -> [UInt8] {
        let count = try uint64(field)
        guard count <= UInt64(bytes.count - offset) else { throw malformed(field) }
        let end = offset + Int(count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    mutating func string(_ field: String) throws(VaultError) -> String {
        let raw = try bytes(field)
        guard let text = String(validating: raw, as: UTF8.self) else { throw malformed(field) }
        return text
    }

    mutating func optionalString(_ field: String) throws(VaultError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    mutating func optionalBytes(_ field: String) throws(VaultError) -> [UInt8]? {
        try bool(field) ? try bytes(field) : nil
    }

    mutating func date(_ field: String) throws(VaultError) -> Date {
        let milliseconds = try int64(field)
        guard abs(Double(milliseconds) / 1000) < StoredTime.limitSeconds else { throw malformed(field) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    mutating func optionalDate(_ field: String) throws(VaultError) -> Date? {
        try bool(field) ? try date(field) : nil
    }

    /// Refuses bytes left over: a record holds exactly its fields.
    func finish() throws(VaultError) {
        guard isAtEnd else { throw malformed("\(bytes.count - offset) bytes left over") }
    }
}
