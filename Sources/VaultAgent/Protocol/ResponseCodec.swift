internal import VaultCrypto
internal import AppVault

/// Encodes and decodes response frames. Pure: no I/O, no state.
public enum ResponseCodec {
    /// Encodes a response into a wiped-on-release buffer ready to send.
    ///
    /// A lease page keeps as many leases as fit in one frame; the client asks again from
    /// `offset + count` for the rest.
    public static func encode(_ frame: borrowing ResponseFrame) throws(ProtocolError) -> WireBuffer {
        try encode(frame.response, id: frame.id)
    }

    private static func encode(_ response: borrowing AgentResponse, id: UInt32) throws(ProtocolError) -> WireBuffer {
        switch response {
        case .status(let status):
            var writer = FrameWriter(type: .statusReply, id: id)
            try writer.bool(status.unlocked, "unlocked")
            try writer.u32(status.pid, "pid")
            try writer.u32(status.idleLockSeconds, "idle lock")
            return writer.finish()
        case .done:
            return FrameWriter(type: .done, id: id).finish()
        case .lease(let lease):
            var writer = FrameWriter(type: .leaseReply, id: id)
            try writer.lease(lease)
            return writer.finish()
        case .leases(let page):
            var writer = FrameWriter(type: .leasesReply, id: id)
            try writer.u32(page.total, "total")
            let countMark = writer.mark
            try writer.u32(0, "count")
            var written: UInt32 = 0
            for lease in page.leases {
                let mark = writer.mark
                do {
                    try writer.lease(lease)
                    written += 1
                } catch {
                    writer.rollback(to: mark)
                    break
                }
            }
            writer.patch(written, at: countMark)
            return writer.finish()
        case .secret(let secret):
            var writer = FrameWriter(type: .secretReply, id: id)
            try writer.secret(secret, "secret")
            return writer.finish()
        case .failure(let failure):
            var writer = FrameWriter(type: .error, id: id)
            try writer.u16(failure.code.rawValue, "error code")
            try writer.string(String(failure.message.utf8.prefix(WireFormat.maxStringBytes)) ?? "", "message")
            return writer.finish()
        }
    }

    /// Decodes one whole frame: 4-byte length prefix and body. Never traps on any input.
    public static func decode(frame: UnsafeRawBufferPointer) throws(ProtocolError) -> ResponseFrame {
        try decode(body: FrameHeader.body(ofFrame: frame))
    }

    /// Decodes one whole frame held in an array (convenience for tests and fuzzing).
    public static func decode(frame: [UInt8]) throws(ProtocolError) -> ResponseFrame {
        var decoded: ResponseFrame?
        var failure: ProtocolError?
        frame.withUnsafeBytes { bytes in
            do throws(ProtocolError) { decoded = try decode(frame: bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        return decoded.take()!
    }

    /// Decodes a response body (after the length prefix). Never traps on any input.
    public static func decode(body: UnsafeRawBufferPointer) throws(ProtocolError) -> ResponseFrame {
        var reader = ByteReader(body)
        let (rawType, id) = try FrameHeader.read(&reader)
        guard let type = MessageType(rawValue: rawType), rawType >= 0x80 else {
            throw .unknownMessageType(rawType)
        }
        let response: AgentResponse
        switch type {
        case .statusReply:
            response = .status(AgentStatus(
                unlocked: try reader.bool("unlocked"), pid: try reader.u32("pid"),
                idleLockSeconds: try reader.u32("idle lock")))
        case .done:
            response = .done
        case .leaseReply:
            response = .lease(try reader.lease())
        case .leasesReply:
            let total = try reader.u32("total")
            let count = try reader.u32("count")
            var leases: [Lease] = []
            for _ in 0..<count {
                leases.append(try reader.lease())
            }
            response = .leases(LeasePage(total: total, leases: leases))
        case .secretReply:
            response = .secret(try reader.secret("secret"))
        case .error:
            let raw = try reader.u16("error code")
            let message = try reader.string("message")
            response = .failure(AgentFailure(code: AgentErrorCode(rawValue: raw) ?? .internalError, message: message))
        case .status, .unlock, .unlockWithKeyFile, .lock, .lease, .redeem, .renew, .revokeLease, .listLeases:
            throw .unknownMessageType(rawType)
        }
        guard reader.isAtEnd else { throw .malformed("bytes left over after a reply") }
        return ResponseFrame(id: id, response: response)
    }
}
