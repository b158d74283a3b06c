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
        case .grantLogin:
            request = .grantLogin(account: try reader.string("account"), protocol: try reader.mailProtocol("protocol"),
                                  ttlSeconds: try reader.u32("ttl"))
        case .renew:
            request = .renew(leaseID: try reader.string("lease id"), ttlSeconds: try reader.u32("ttl"))
        case .revokeLease:
            request = .revokeLease(leaseID: try reader.string("lease id"))
        case .listLeases:
            request = .listLeases(offset: try reader.u32("offset"))
        case .listAccounts:
            request = .listAccounts(offset: try reader.u32("offset"))
        case .addToken:
            request = .addToken(account: try reader.string("account"), client: try reader.string("client"),
                                protocols: try reader.protocols("protocols"), expiresSeconds: try reader.u32("expires"))
        case .listTokens:
            request = .listTokens(offset: try reader.u32("offset"))
        case .revokeToken:
            request = .revokeToken(id: try reader.string("token id"))
        case .getFetchState:
            request = .getFetchState(account: try reader.string("account"), mailbox: try reader.string("mailbox"))
        case .setFetchState:
            request = .setFetchState(account: try reader.string("account"), mailbox: try reader.string("mailbox"),
                                     uidValidity: try reader.u32("uidvalidity"), lastUID: try reader.u32("last uid"))
        case .statusReply, .done, .leaseReply, .leasesReply, .loginReply, .accountsReply, .tokenReply, .tokensReply,
             .fetchStateReply, .error:
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
        case .grantLogin(let account, let proto, let ttl):
            var writer = FrameWriter(type: .grantLogin, id: id)
            try writer.string(account, "account")
            try writer.mailProtocol(proto, "protocol")
            try writer.u32(ttl, "ttl")
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
            return try offsetFrame(.listLeases, id: id, offset: offset)
        case .listAccounts(let offset):
            return try offsetFrame(.listAccounts, id: id, offset: offset)
        case .addToken(let account, let client, let protocols, let expires):
            var writer = FrameWriter(type: .addToken, id: id)
            try writer.string(account, "account")
            try writer.string(client, "client")
            try writer.protocols(protocols, "protocols")
            try writer.u32(expires, "expires")
            return writer.finish()
        case .listTokens(let offset):
            return try offsetFrame(.listTokens, id: id, offset: offset)
        case .revokeToken(let tokenID):
            var writer = FrameWriter(type: .revokeToken, id: id)
            try writer.string(tokenID, "token id")
            return writer.finish()
        case .getFetchState(let account, let mailbox):
            var writer = FrameWriter(type: .getFetchState, id: id)
            try writer.string(account, "account")
            try writer.string(mailbox, "mailbox")
            return writer.finish()
        case .setFetchState(let account, let mailbox, let uidValidity, let lastUID):
            var writer = FrameWriter(type: .setFetchState, id: id)
            try writer.string(account, "account")
            try writer.string(mailbox, "mailbox")
            try writer.u32(uidValidity, "uidvalidity")
            try writer.u32(lastUID, "last uid")
            return writer.finish()
        }
    }

    private static func offsetFrame(_ type: MessageType, id: UInt32, offset: UInt32) throws(ProtocolError) -> WireBuffer {
        var writer = FrameWriter(type: type, id: id)
        try writer.u32(offset, "offset")
        return writer.finish()
    }
}
