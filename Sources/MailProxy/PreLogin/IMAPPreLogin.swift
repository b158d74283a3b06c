internal import VaultCrypto

/// The IMAP not-authenticated state (RFC 9051 §6.1-6.2), answered by the proxy itself: greeting,
/// CAPABILITY, NOOP, ID, LOGOUT, STARTTLS, LOGIN (atoms, quoted strings with escapes, literals
/// `{n}` and `{n+}`) and AUTHENTICATE PLAIN (with and without SASL-IR, `*` to cancel). Any other
/// command gets `BAD` "log in first".
///
/// Pure over a ``PreLoginChannel``: the unit tests and the fuzz target drive it from memory.
struct IMAPPreLogin {
    /// The host name in the greeting.
    let greetingName: String
    /// Longest literal accepted (a `{n}` beyond it gets `BAD`; a `{n+}` beyond it closes).
    let maxLiteralBytes: Int
    /// Whether STARTTLS is offered: the transport offers it and TLS is not running yet.
    var offersSTARTTLS: Bool
    /// Whether TLS is running (a second STARTTLS is refused).
    var tlsActive: Bool

    /// What the proxy can do before login. After login the client is sent the server's own list.
    var capabilities: String {
        "IMAP4rev1 SASL-IR ID AUTH=PLAIN" + (offersSTARTTLS ? " STARTTLS" : "")
    }

    /// The first line a client sees.
    var greeting: [UInt8] { Array("* OK [CAPABILITY \(capabilities)] \(greetingName) appvault ready\r\n".utf8) }

    /// A command refused with a reply (the dialogue goes on), or the end of the dialogue.
    private enum Failure: Error {
        case reply(String)
        case end(PreLoginEnd)
    }

    /// Reads and answers commands until one needs the proxy.
    mutating func next(_ channel: inout some PreLoginChannel) throws(PreLoginEnd) -> PreLoginEvent {
        while true {
            let line = IMAPCommandLine(try channel.readLine())
            let tagRange = line.take(while: IMAPSyntax.isTagChar)
            guard !tagRange.isEmpty, line.skip(0x20) else {
                _ = try discardRest(of: line, channel: &channel)
                try channel.send(Array("* BAD Invalid tag or command line\r\n".utf8))
                continue
            }
            let tag = String(decoding: line.bytes[tagRange], as: UTF8.self)
            let verb = String(decoding: line.bytes[line.take(while: IMAPSyntax.isAStringChar)], as: UTF8.self).uppercased()
            do throws(Failure) {
                switch verb {
                case "CAPABILITY":
                    try expectEnd(line)
                    try send("* CAPABILITY \(capabilities)\r\n\(tag) OK CAPABILITY completed\r\n", &channel)
                case "NOOP":
                    try expectEnd(line)
                    try send("\(tag) OK NOOP completed\r\n", &channel)
                case "LOGOUT":
                    try expectEnd(line)
                    try send("* BYE appvault logging out\r\n\(tag) OK LOGOUT completed\r\n", &channel)
                    return .leave
                case "ID":
                    let complete: Bool
                    do { complete = try discardRest(of: line, channel: &channel, acceptSynchronizing: true) } catch { throw Failure.end(error) }
                    guard complete else { throw Failure.reply("BAD Literal too long") }
                    try send("* ID NIL\r\n\(tag) OK ID completed\r\n", &channel)
                case "STARTTLS":
                    try expectEnd(line)
                    guard offersSTARTTLS else {
                        throw Failure.reply(tlsActive ? "BAD TLS is already active" : "BAD STARTTLS is not available here")
                    }
                    try send("\(tag) OK Begin TLS negotiation now\r\n", &channel)
                    offersSTARTTLS = false
                    tlsActive = true
                    return .startTLS
                case "LOGIN":
                    return .login(tag: tag, try login(line, channel: &channel))
                case "AUTHENTICATE":
                    return .login(tag: tag, try authenticate(line, channel: &channel))
                default:
                    throw Failure.reply("BAD Log in first (LOGIN or AUTHENTICATE PLAIN)")
                }
            } catch {
                switch error {
                case .reply(let text):
                    _ = try discardRest(of: line, channel: &channel)
                    try channel.send(Array("\(tag) \(text)\r\n".utf8))
                case .end(let end):
                    throw end
                }
            }
        }
    }

    /// `LOGIN SP userid SP password`, each an atom, a quoted string or a literal.
    private func login(_ line: IMAPCommandLine, channel: inout some PreLoginChannel) throws(Failure) -> LoginAttempt {
        guard line.skip(0x20), let user = line.scanAString() else { throw .reply("BAD LOGIN expects a user name and a password") }
        let account = try publicValue(user, in: line, channel: &channel)
        guard line.skip(0x20), let password = line.scanAString() else { throw .reply("BAD LOGIN expects a user name and a password") }
        let credential = try secretValue(password, in: line, channel: &channel)
        try expectEnd(line)
        return LoginAttempt(account: String(decoding: account, as: UTF8.self), credential: credential)
    }

    /// `AUTHENTICATE PLAIN [SP initial-response]` (RFC 9051 §6.2.2, RFC 4959).
    private func authenticate(_ line: IMAPCommandLine, channel: inout some PreLoginChannel) throws(Failure) -> LoginAttempt {
        guard line.skip(0x20) else { throw .reply("BAD AUTHENTICATE expects a mechanism") }
        let mechanism = String(decoding: line.bytes[line.take(while: IMAPSyntax.isAStringChar)], as: UTF8.self)
        guard mechanism.uppercased() == "PLAIN" else { throw .reply("NO Unsupported authentication mechanism (use PLAIN)") }
        if line.skip(0x20) {
            let response = line.take { $0 != 0x20 }
            try expectEnd(line)
            return try decodePlain(line.bytes[response])
        }
        try expectEnd(line)
        try send("+ \r\n", &channel)
        do { line.replace(with: try channel.readLine()) } catch { throw .end(error) }
        guard line.bytes != [UInt8(ascii: "*")] else { throw .reply("BAD AUTHENTICATE cancelled") }
        return try decodePlain(line.bytes[...])
    }

    private func decodePlain(_ response: ArraySlice<UInt8>) throws(Failure) -> LoginAttempt {
        guard response != [UInt8(ascii: "=")] else { throw .reply("BAD Empty SASL PLAIN response") }
        do {
            return try SASLPlainResponse.decode(response)
        } catch {
            switch error {
            case .malformed: throw .reply("BAD Invalid SASL PLAIN response")
            case .foreignAuthorizationIdentity: throw .reply("NO [AUTHORIZATIONFAILED] Acting as another user is not supported")
            case .memory(let error): throw .end(.failed("\(error)"))
            }
        }
    }

    /// The bytes of a public astring; a literal is read from the channel.
    private func publicValue(_ string: AString, in line: IMAPCommandLine, channel: inout some PreLoginChannel) throws(Failure) -> [UInt8] {
        guard case .literal(let literal) = string else { return line.value(of: string) }
        try acceptLiteral(literal, channel: &channel)
        do {
            let bytes = try channel.readBytes(literal.count)
            line.replace(with: try channel.readLine())
            return bytes
        } catch {
            throw .end(error)
        }
    }

    /// The bytes of a secret astring, in guarded memory from the start.
    private func secretValue(_ string: AString, in line: IMAPCommandLine, channel: inout some PreLoginChannel) throws(Failure) -> SecureBytes {
        guard case .literal(let literal) = string else {
            do { return try line.secret(of: string) } catch { throw .end(.failed("\(error)")) }
        }
        try acceptLiteral(literal, channel: &channel)
        do {
            let secret = try channel.readSecret(literal.count)
            line.replace(with: try channel.readLine())
            return secret
        } catch {
            throw .end(error)
        }
    }

    /// Checks a literal's size and asks for a synchronizing literal's bytes.
    private func acceptLiteral(_ literal: IMAPLiteral, channel: inout some PreLoginChannel) throws(Failure) {
        guard literal.count <= maxLiteralBytes else {
            if literal.synchronizing { throw .reply("BAD Literal too long") }
            throw .end(.literalTooLong)
        }
        guard literal.synchronizing else { return }
        try send("+ Ready for literal data\r\n", &channel)
    }

    private func expectEnd(_ line: IMAPCommandLine) throws(Failure) {
        guard line.atEnd else { throw .reply("BAD Unexpected arguments") }
    }

    private func send(_ text: String, _ channel: inout some PreLoginChannel) throws(Failure) {
        do { try channel.send(Array(text.utf8)) } catch { throw .end(error) }
    }

    /// Skips the rest of a command that is refused or ignored. Non-synchronizing literals arrive
    /// anyway and are read and dropped; a synchronizing one is requested only when
    /// `acceptSynchronizing` (ID), else the refusal tells the client not to send it.
    /// - Returns: false if a synchronizing literal was too long to request.
    private func discardRest(of line: IMAPCommandLine, channel: inout some PreLoginChannel,
                             acceptSynchronizing: Bool = false) throws(PreLoginEnd) -> Bool {
        defer { line.skipToEnd() }
        while let literal = IMAPLiteral.announced(at: line.bytes[line.index...]) {
            guard !literal.synchronizing || acceptSynchronizing else { return true }
            guard literal.count <= maxLiteralBytes else {
                if literal.synchronizing { return false }
                throw .literalTooLong
            }
            if literal.synchronizing { try channel.send(Array("+ Ready for literal data\r\n".utf8)) }
            var dropped = try channel.readBytes(literal.count)
            Memory.wipe(&dropped)
            line.replace(with: try channel.readLine())
        }
        return true
    }
}
