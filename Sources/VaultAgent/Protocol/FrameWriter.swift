internal import Foundation
internal import AppVault
internal import VaultCrypto

/// Writes one frame (length prefix, header, fields) into a ``WireBuffer``.
///
/// Every write checks the frame limit, so an encoder can never produce a frame the other
/// side must refuse.
struct FrameWriter: ~Copyable {
    private(set) var buffer: WireBuffer

    /// Starts a frame of `type` for request `id` (in protocol `version`, the current one
    /// unless answering an old client).
    init(type: MessageType, id: UInt32, version: UInt8 = WireFormat.version) {
        buffer = WireBuffer(capacity: WireFormat.lengthPrefixBytes + WireFormat.maxBodyBytes)
        buffer.append(0); buffer.append(0); buffer.append(0); buffer.append(0)
        buffer.append(version)
        buffer.append(type.rawValue)
        try! u32(id, "request id")  // the header always fits an empty frame
    }

    /// Fills in the length prefix and hands over the finished frame.
    consuming func finish() -> WireBuffer {
        var done = buffer
        done.patch(UInt32(done.count - WireFormat.lengthPrefixBytes), at: 0)
        return done
    }

    /// The number of bytes written, to return to with ``rollback(to:)``.
    var mark: Int { buffer.count }

    /// Undoes the writes made since `mark`.
    mutating func rollback(to mark: Int) { buffer.truncate(to: mark) }

    /// Overwrites a `u32` written earlier at `mark` (a count known only afterwards).
    mutating func patch(_ value: UInt32, at mark: Int) { buffer.patch(value, at: mark) }

    private mutating func raw(_ bytes: UnsafeRawBufferPointer, _ field: String) throws(ProtocolError) {
        guard bytes.count <= buffer.remainingCapacity else {
            throw .malformed("\(field) does not fit in a \(WireFormat.maxBodyBytes)-byte frame")
        }
        buffer.append(bytes)
    }

    private mutating func integer<T: FixedWidthInteger>(_ value: T, _ field: String) throws(ProtocolError) {
        var bigEndian = value.bigEndian
        try withUnsafeBytes(of: &bigEndian) { (bytes) throws(ProtocolError) in try raw(bytes, field) }
    }

    mutating func u8(_ value: UInt8, _ field: String) throws(ProtocolError) { try integer(value, field) }
    mutating func u16(_ value: UInt16, _ field: String) throws(ProtocolError) { try integer(value, field) }
    mutating func u32(_ value: UInt32, _ field: String) throws(ProtocolError) { try integer(value, field) }
    mutating func i64(_ value: Int64, _ field: String) throws(ProtocolError) { try integer(value, field) }
    mutating func bool(_ value: Bool, _ field: String) throws(ProtocolError) { try u8(value ? 1 : 0, field) }

    /// A `u32` from an `Int`, refusing values outside 0...UInt32.max.
    mutating func count(_ value: Int, _ field: String) throws(ProtocolError) {
        guard let narrow = UInt32(exactly: value) else { throw .malformed("\(field) \(value) is outside 0...\(UInt32.max)") }
        try u32(narrow, field)
    }

    mutating func string(_ value: String, _ field: String) throws(ProtocolError) {
        let length = value.utf8.count
        guard length <= WireFormat.maxStringBytes else {
            throw .malformed("\(field) is \(length) bytes, over \(WireFormat.maxStringBytes)")
        }
        try u16(UInt16(length), field)
        guard length <= buffer.remainingCapacity else {
            throw .malformed("\(field) does not fit in a \(WireFormat.maxBodyBytes)-byte frame")
        }
        var text = value
        text.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
    }

    mutating func secret(_ value: borrowing SecureBytes, _ field: String) throws(ProtocolError) {
        try value.withUnsafeBytes { (bytes) throws(ProtocolError) in
            guard bytes.count <= WireFormat.maxSecretBytes else {
                throw .malformed("\(field) is \(bytes.count) bytes, over \(WireFormat.maxSecretBytes)")
            }
            try u16(UInt16(bytes.count), field)
            try raw(bytes, field)
        }
    }

    mutating func mailProtocol(_ value: MailProtocol, _ field: String) throws(ProtocolError) {
        try u8(value == .imap ? 1 : 2, field)
    }

    mutating func date(_ value: Date, _ field: String) throws(ProtocolError) {
        let millis = (value.timeIntervalSince1970 * 1000).rounded()
        guard let exact = Int64(exactly: millis) else { throw .malformed("\(field) is out of range") }
        try i64(exact, field)
    }
}
