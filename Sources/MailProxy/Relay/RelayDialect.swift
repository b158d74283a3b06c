/// What the relay must know of the mail protocol: how to follow each direction, and the words it
/// adds when it ends a session itself.
struct RelayDialect {
    /// Frames the server's stream.
    let serverFraming: any StreamFraming
    /// Frames the client's stream, when it can be followed (IMAP); nil for SMTP.
    let clientFraming: (any StreamFraming)?
    /// What the client is sent when the session is ended (revoked, killed, limit), with an IMAP
    /// response code if any: a whole response, injected only at a boundary.
    let endMessage: (_ reason: String, _ imapCode: String?) -> [UInt8]
    /// What the client is sent when the server closed without saying goodbye.
    let upstreamClosedMessage: [UInt8]
    /// What the server is sent when the client left without logging out, at a command boundary.
    let leaveCommand: [UInt8]?

    /// IMAP: `* BYE [code] <reason>`; LOGOUT on the client's behalf.
    static var imap: RelayDialect {
        RelayDialect(
            serverFraming: IMAPFraming(sender: .server), clientFraming: IMAPFraming(sender: .client),
            endMessage: { reason, code in Array("* BYE \(code.map { "[\($0)] " } ?? "")\(reason)\r\n".utf8) },
            upstreamClosedMessage: Array("* BYE upstream closed the connection\r\n".utf8),
            leaveCommand: Array("appvault-end LOGOUT\r\n".utf8))
    }

    /// SMTP: `421 4.7.0 <reason>`.
    static var smtp: RelayDialect {
        RelayDialect(
            serverFraming: SMTPFraming(), clientFraming: nil,
            endMessage: { reason, _ in Array("421 4.7.0 \(reason)\r\n".utf8) },
            upstreamClosedMessage: Array("421 4.4.2 upstream closed the connection\r\n".utf8),
            leaveCommand: nil)
    }
}
