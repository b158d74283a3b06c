internal import VaultCrypto

/// Encodes and decodes request frames. Pure: no I/O, no state.
///
/// ``decode(frame:)`` accepts any bytes and either returns a request or throws a
/// ``ProtocolError``; it never traps, which is what the fuzz target relies on.
public enum RequestCodec {
    /// Decodes one whole frame: 4-byte length prefix and body.
    public static func decode(frame: UnsafeRawBufferPointer) throws(ProtocolError) -> RequestFrame {
        try decode(body: FrameHeader.body(ofFrame: frame))
    }

    /// Decodes one whole frame held in an array (convenience for tests and fuzzing).
    public static func decode(frame: [UInt8]) throws(ProtocolError) -> RequestFrame {
        var decoded: RequestFrame?
        var failure: ProtocolError?
        frame.withUnsafeBytes { bytes in
            do throws(ProtocolError) { decoded = try decode(frame: bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        return decoded.take()!
    }

    /// Decodes a frame body (after the length prefix).
    public static func decode(body: UnsafeRawBufferPointer) throws(ProtocolError) -> RequestFrame {
        var reader = ByteReader(body)
        let (rawType, id) = try FrameHeader.read(&reader)
        guard let type = MessageType(rawValue: rawType), rawType < 0x80 else {
            throw .unknownMessageType(rawType)
        }
        let request: AgentRequest
        switch type {
        case .status:
            request = .status
        case .unlock:
            request = .unlock(try reader.secret("passphrase"))
        case .unlockWithKeyFile:
            request = .unlockWithKeyFile(try reader.secret("key file"))
        case .lock:
            request = .lock
        case .lease:
            request = .lease(account: try reader.string("account"), protocol: try reader.mailProtocol("protocol"),
                             ttlSeconds: try reader.u32("ttl"), uses: try reader.u32("uses"))
        case .redeem:
            request = .redeem(lease: try reader.lease(), protocol: try reader.mailProtocol("protocol"))
        case .renew:
            request = .renew(leaseID: try reader.string("lease id"), ttlSeconds: try reader.u32("ttl"))
        case .revokeLease:
            request = .revokeLease(leaseID: try reader.string("lease id"))
        case .listLeases:
            request = .listLeases(offset: try reader.u32("offset"))
        case .statusReply, .done, .leaseReply, .leasesReply, .secretReply, .error:
            throw .unknownMessageType(rawType)
        }
        guard reader.isAtEnd else { throw .malformed("bytes left over after a \(request.name) request") }
        return RequestFrame(id: id, request: request)
    }

    /// Encodes a request into a wiped-on-release buffer ready to send.
    public static func encode(_ frame: borrowing RequestFrame) throws(ProtocolError) -> WireBuffer {
        try encode(frame.request, id: frame.id)
    }

    private static func encode(_ request: borrowing AgentRequest, id: UInt32) throws(ProtocolError) -> WireBuffer {
        switch request {
        case .status:
            return FrameWriter(type: .status, id: id).finish()
        case .unlock(let passphrase):
            var writer = FrameWriter(type: .unlock, id: id)
            try writer.secret(passphrase, "passphrase")
            return writer.finish()
        case .unlockWithKeyFile(let contents):
            var writer = FrameWriter(type: .unlockWithKeyFile, id: id)
            try writer.secret(contents, "key file")
            return writer.finish()
        case .lock:
            return FrameWriter(type: .lock, id: id).finish()
        case .lease(let account, let proto, let ttl, let uses):
            var writer = FrameWriter(type: .lease, id: id)
            try writer.string(account, "account")
            try writer.mailProtocol(proto, "protocol")
            try writer.u32(ttl, "ttl")
            try writer.u32(uses, "uses")
            return writer.finish()
        case .redeem(let lease, let proto):
            var writer = FrameWriter(type: .redeem, id: id)
            try writer.lease(lease)
            try writer.mailProtocol(proto, "protocol")
            return writer.finish()
        case .renew(let leaseID, let ttl):
            var writer = FrameWriter(type: .renew, id: id)
            try writer.string(leaseID, "lease id")
            try writer.u32(ttl, "ttl")
            return writer.finish()
        case .revokeLease(let leaseID):
            var writer = FrameWriter(type: .revokeLease, id: id)
            try writer.string(leaseID, "lease id")
            return writer.finish()
        case .listLeases(let offset):
            var writer = FrameWriter(type: .listLeases, id: id)
            try writer.u32(offset, "offset")
            return writer.finish()
        }
    }
}
