/// Reading the parts every frame shares: the length prefix and the body header.
enum FrameHeader {
    /// The body length announced by a 4-byte prefix, refusing lengths over the limit or zero.
    static func bodyLength(prefix: UnsafeRawBufferPointer) throws(ProtocolError) -> Int {
        guard prefix.count == WireFormat.lengthPrefixBytes else {
            throw .malformed("length prefix is \(prefix.count) bytes, not 4")
        }
        let length = Int(prefix.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= WireFormat.maxBodyBytes else { throw .frameTooLarge(announced: length) }
        guard length >= WireFormat.headerBytes else {
            throw .malformed("body of \(length) bytes is shorter than the 6-byte header")
        }
        return length
    }

    /// The request id of a body, when at least its header is there (used to address error replies).
    static func requestID(body: UnsafeRawBufferPointer) -> UInt32 {
        guard body.count >= WireFormat.headerBytes else { return 0 }
        return body[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Checks the version and reads the type byte and request id.
    static func read(_ reader: inout ByteReader) throws(ProtocolError) -> (type: UInt8, id: UInt32) {
        let version = try reader.u8("version")
        guard version == WireFormat.version else { throw .unsupportedVersion(version) }
        let type = try reader.u8("message type")
        let id = try reader.u32("request id")
        return (type, id)
    }

    /// Splits a whole frame (prefix and body) and checks the prefix matches the body.
    static func body(ofFrame frame: UnsafeRawBufferPointer) throws(ProtocolError) -> UnsafeRawBufferPointer {
        guard frame.count >= WireFormat.lengthPrefixBytes else {
            throw .malformed("frame is \(frame.count) bytes, shorter than its length prefix")
        }
        let length = try bodyLength(prefix: UnsafeRawBufferPointer(rebasing: frame[0..<4]))
        guard frame.count - WireFormat.lengthPrefixBytes == length else {
            throw .malformed("length prefix says \(length) bytes, frame has \(frame.count - 4)")
        }
        return UnsafeRawBufferPointer(rebasing: frame[4...])
    }
}
