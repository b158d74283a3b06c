internal import Foundation
internal import AppVault
internal import VaultCrypto

/// Reads big-endian fields from a frame body, throwing instead of reading past its end.
struct ByteReader: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ field: String) throws(ProtocolError) -> UnsafeRawBufferPointer {
        guard count >= 0, bytes.count - offset >= count else {
            throw .malformed("\(field) runs past the end of the frame")
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func u8(_ field: String) throws(ProtocolError) -> UInt8 {
        try take(1, field)[0]
    }

    mutating func u16(_ field: String) throws(ProtocolError) -> UInt16 {
        let raw = try take(2, field)
        return UInt16(raw[0]) << 8 | UInt16(raw[1])
    }

    mutating func u32(_ field: String) throws(ProtocolError) -> UInt32 {
        let raw = try take(4, field)
        return raw.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    mutating func i64(_ field: String) throws(ProtocolError) -> Int64 {
        let raw = try take(8, field)
        return Int64(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    mutating func bool(_ field: String) throws(ProtocolError) -> Bool {
        switch try u8(field) {
        case 0: return false
        case 1: return true
        case let other: throw .malformed("\(field) is \(other), not 0 or 1")
        }
    }

    /// A length-prefixed UTF-8 string of at most ``WireFormat/maxStringBytes`` bytes.
    mutating func string(_ field: String) throws(ProtocolError) -> String {
        let length = Int(try u16(field))
        guard length <= WireFormat.maxStringBytes else {
            throw .malformed("\(field) is \(length) bytes, over \(WireFormat.maxStringBytes)")
        }
        let raw = try take(length, field)
        guard let text = String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .malformed("\(field) is not valid UTF-8")
        }
        return text
    }

    /// A length-prefixed secret, copied straight into guarded memory.
    mutating func secret(_ field: String) throws(ProtocolError) -> SecureBytes {
        let length = Int(try u16(field))
        guard length <= WireFormat.maxSecretBytes else {
            throw .malformed("\(field) is \(length) bytes, over \(WireFormat.maxSecretBytes)")
        }
        let raw = try take(length, field)
        do {
            return try SecureBytes(copying: raw)
        } catch {
            throw .outOfSecureMemory
        }
    }

    mutating func mailProtocol(_ field: String) throws(ProtocolError) -> MailProtocol {
        switch try u8(field) {
        case 1: return .imap
        case 2: return .smtp
        case let other: throw .malformed("\(field) is \(other), not 1 (IMAP) or 2 (SMTP)")
        }
    }

    /// Milliseconds since 1970-01-01 UTC.
    mutating func date(_ field: String) throws(ProtocolError) -> Date {
        let millis = try i64(field)
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// A page reply: `total`, `count`, then `count` items read by `read`.
    mutating func page<Item: Sendable & Equatable>(
        _ read: (inout ByteReader) throws(ProtocolError) -> Item
    ) throws(ProtocolError) -> Page<Item> {
        let total = try u32("total")
        let count = try u32("count")
        guard Int(count) <= bytes.count - offset else { throw .malformed("count \(count) exceeds the frame") }
        var items = [Item]()
        for _ in 0..<count { items.append(try read(&self)) }
        return Page(total: total, items: items)
    }
}
