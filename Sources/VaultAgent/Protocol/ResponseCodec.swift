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
            try writer.string(status.vaultID, "vault id")
            try writer.u32(status.liveSessions, "sessions")
            try writer.string(status.imapSocket, "imap socket")
            try writer.string(status.smtpSocket, "smtp socket")
            return writer.finish()
        case .done:
            return FrameWriter(type: .done, id: id).finish()
        case .lease(let lease):
            var writer = FrameWriter(type: .leaseReply, id: id)
            try writer.lease(lease)
            return writer.finish()
        case .leases(let page):
            return try pageFrame(.leasesReply, id: id, Page(total: page.total, items: page.items)) { (writer, lease) throws(ProtocolError) in try writer.lease(lease) }
        case .login(let issued):
            var writer = FrameWriter(type: .loginReply, id: id)
            try writer.lease(issued.subject)
            try writer.secret(issued.text, "password")
            return writer.finish()
        case .accounts(let page):
            return try pageFrame(.accountsReply, id: id, Page(total: page.total, items: page.items)) { (writer, account) throws(ProtocolError) in try writer.account(account) }
        case .token(let issued):
            var writer = FrameWriter(type: .tokenReply, id: id)
            try writer.token(issued.subject)
            try writer.secret(issued.text, "token")
            return writer.finish()
        case .tokens(let page):
            return try pageFrame(.tokensReply, id: id, Page(total: page.total, items: page.items)) { (writer, token) throws(ProtocolError) in try writer.token(token) }
        case .fetchState(let state):
            var writer = FrameWriter(type: .fetchStateReply, id: id)
            try writer.fetchState(state)
            return writer.finish()
        case .failure(let failure):
            var writer = FrameWriter(type: .error, id: id)
            try writer.u16(failure.code.rawValue, "error code")
            try writer.string(String(failure.message.utf8.prefix(WireFormat.maxStringBytes)) ?? "", "message")
            return writer.finish()
        }
    }

    /// A page reply: `total`, then as many items as fit in one frame, with their count.
    private static func pageFrame<Item>(
        _ type: MessageType, id: UInt32, _ page: Page<Item>, _ write: (inout FrameWriter, Item) throws(ProtocolError) -> Void
    ) throws(ProtocolError) -> WireBuffer {
        var writer = FrameWriter(type: type, id: id)
        try writer.u32(page.total, "total")
        let countMark = writer.mark
        try writer.u32(0, "count")
        var written: UInt32 = 0
        for item in page.items {
            let mark = writer.mark
            do {
                try write(&writer, item)
                written += 1
            } catch {
                writer.rollback(to: mark)
                break
            }
        }
        writer.patch(written, at: countMark)
        return writer.finish()
    }

    /// The reply to a version-1 client: a version-1 error frame (code 3) asking it to upgrade,
    /// which an old client can read and print.
    public static func encodeUpgradeRequired(id: UInt32) -> WireBuffer {
        var writer = FrameWriter(type: .error, id: id, version: 1)
        let message = "this agent speaks protocol \(WireFormat.version) and never returns passwords; upgrade appvault (the client speaks protocol 1)"
        try? writer.u16(AgentErrorCode.unsupportedVersion.rawValue, "error code")
        try? writer.string(message, "message")
        return writer.finish()
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
                unlocked: try reader.bool("unlocked"), pid: try reader.u32("pid"), idleLockSeconds: try reader.u32("idle lock"),
                vaultID: try reader.string("vault id"), liveSessions: try reader.u32("sessions"),
                imapSocket: try reader.string("imap socket"), smtpSocket: try reader.string("smtp socket")))
        case .done:
            response = .done
        case .leaseReply:
            response = .lease(try reader.lease())
        case .leasesReply:
            response = .leases(try reader.page { (reader) throws(ProtocolError) in try reader.lease() })
        case .loginReply:
            let lease = try reader.lease()
            response = .login(IssuedCredential(subject: lease, text: try reader.secret("password")))
        case .accountsReply:
            response = .accounts(try reader.page { (reader) throws(ProtocolError) in try reader.account() })
        case .tokenReply:
            let token = try reader.token()
            response = .token(IssuedCredential(subject: token, text: try reader.secret("token")))
        case .tokensReply:
            response = .tokens(try reader.page { (reader) throws(ProtocolError) in try reader.token() })
        case .fetchStateReply:
            response = .fetchState(try reader.fetchState())
        case .error:
            let raw = try reader.u16("error code")
            let message = try reader.string("message")
            response = .failure(AgentFailure(code: AgentErrorCode(rawValue: raw) ?? .internalError, message: message))
        case .status, .unlock, .unlockWithKeyFile, .lock, .grantLogin, .renew, .revokeLease, .listLeases, .listAccounts,
             .addToken, .listTokens, .revokeToken, .getFetchState, .setFetchState:
            throw .unknownMessageType(rawType)
        }
        guard reader.isAtEnd else { throw .malformed("bytes left over after a reply") }
        return ResponseFrame(id: id, response: response)
    }
}
