internal import VaultCrypto

/// The SMTP submission dialogue before AUTH (RFC 5321, RFC 4954), answered by the proxy itself:
/// greeting, EHLO/HELO, AUTH PLAIN (with or without initial response) and AUTH LOGIN (with or
/// without the user name up front), STARTTLS, NOOP, RSET, HELP, QUIT. Mail transactions before
/// AUTH get `530 5.7.0`.
///
/// Pure over a ``PreLoginChannel``: the unit tests and the fuzz target drive it from memory.
struct SMTPPreLogin {
    /// The host name in the greeting and EHLO reply.
    let greetingName: String
    /// Whether STARTTLS is offered: the transport offers it and TLS is not running yet.
    var offersSTARTTLS: Bool
    /// Whether TLS is running (a second STARTTLS is refused).
    var tlsActive: Bool

    /// The first line a client sees.
    var greeting: [UInt8] { Array("220 \(greetingName) ESMTP appvault ready\r\n".utf8) }

    /// The EHLO reply: only what the proxy itself does before AUTH. After AUTH a new EHLO reaches
    /// the mail server, which answers with its real extensions (docs/proxy.md).
    var ehloReply: String {
        var lines = ["\(greetingName) appvault", "AUTH PLAIN LOGIN"]
        if offersSTARTTLS { lines.append("STARTTLS") }
        lines.append("ENHANCEDSTATUSCODES")
        return lines.enumerated().map { "250\($0.offset == lines.count - 1 ? " " : "-")\($0.element)\r\n" }.joined()
    }

    /// A command refused with a reply (the dialogue goes on), or the end of the dialogue.
    private enum Failure: Error {
        case reply(String)
        case end(PreLoginEnd)
    }

    /// Reads and answers commands until one needs the proxy.
    mutating func next(_ channel: inout some PreLoginChannel) throws(PreLoginEnd) -> PreLoginEvent {
        while true {
            var line = try channel.readLine()
            defer { Memory.wipe(&line) }
            let verbEnd = line.firstIndex(of: 0x20) ?? line.count
            let verb = String(decoding: line[..<verbEnd], as: UTF8.self).uppercased()
            let argument = line[min(verbEnd + 1, line.count)...]
            do throws(Failure) {
                switch verb {
                case "EHLO", "HELO":
                    guard !argument.isEmpty else { throw Failure.reply("501 5.5.4 Syntax: \(verb) hostname") }
                    try send(verb == "EHLO" ? ehloReply : "250 \(greetingName)\r\n", &channel)
                case "AUTH":
                    return .login(tag: nil, try authenticate(argument, channel: &channel))
                case "STARTTLS":
                    guard argument.isEmpty else { throw Failure.reply("501 5.5.4 Syntax: STARTTLS") }
                    guard offersSTARTTLS else {
                        throw Failure.reply(tlsActive ? "503 5.5.1 TLS is already active" : "502 5.5.1 STARTTLS is not available here")
                    }
                    try send("220 2.0.0 Ready to start TLS\r\n", &channel)
                    offersSTARTTLS = false
                    tlsActive = true
                    return .startTLS
                case "NOOP", "RSET":
                    try send("250 2.0.0 OK\r\n", &channel)
                case "HELP":
                    try send("214 2.0.0 Authenticate with AUTH PLAIN or AUTH LOGIN: user = account name, password = token\r\n", &channel)
                case "QUIT":
                    try send("221 2.0.0 Bye\r\n", &channel)
                    return .leave
                case "MAIL", "RCPT", "DATA", "BDAT", "VRFY", "EXPN", "ETRN":
                    throw Failure.reply("530 5.7.0 Authentication required")
                case "":
                    throw Failure.reply("500 5.5.2 Empty command")
                default:
                    throw Failure.reply("500 5.5.2 Command not recognized")
                }
            } catch {
                switch error {
                case .reply(let text): try channel.send(Array("\(text)\r\n".utf8))
                case .end(let end): throw end
                }
            }
        }
    }

    /// `AUTH PLAIN [initial-response]` or `AUTH LOGIN [user]` (RFC 4954 §4).
    private func authenticate(_ argument: ArraySlice<UInt8>, channel: inout some PreLoginChannel) throws(Failure) -> LoginAttempt {
        let parts = argument.split(separator: 0x20, maxSplits: 1, omittingEmptySubsequences: false)
        guard let mechanism = parts.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }), !mechanism.isEmpty else {
            throw .reply("501 5.5.4 Syntax: AUTH mechanism [initial-response]")
        }
        let initial = parts.count > 1 ? parts[1] : nil
        switch mechanism {
        case "PLAIN":
            var response = if let initial { Array(initial) } else { try prompt("334 \r\n", &channel) }
            defer { Memory.wipe(&response) }
            guard response != [UInt8(ascii: "=")] else { throw .reply("501 5.5.2 Empty SASL PLAIN response") }
            do {
                return try SASLPlainResponse.decode(response[...])
            } catch {
                switch error {
                case .malformed: throw .reply("501 5.5.2 Invalid SASL PLAIN response")
                case .foreignAuthorizationIdentity: throw .reply("535 5.7.8 Acting as another user is not supported")
                case .memory(let error): throw .end(.failed("\(error)"))
                }
            }
        case "LOGIN":
            var user = if let initial { Array(initial) } else { try prompt("334 VXNlcm5hbWU6\r\n", &channel) }
            let account = try decodePublic(user)
            Memory.wipe(&user)
            var password = try prompt("334 UGFzc3dvcmQ6\r\n", &channel)
            defer { Memory.wipe(&password) }
            do {
                return LoginAttempt(account: account, credential: try SecretBase64.decode(password[...]))
            } catch {
                throw Self.failure(error)
            }
        default:
            throw .reply("504 5.5.4 Unrecognized authentication type (use PLAIN or LOGIN)")
        }
    }

    /// Sends a `334` challenge and reads the client's answer; `*` cancels (RFC 4954 §4).
    private func prompt(_ challenge: String, _ channel: inout some PreLoginChannel) throws(Failure) -> [UInt8] {
        try send(challenge, &channel)
        let answer: [UInt8]
        do { answer = try channel.readLine() } catch { throw .end(error) }
        guard answer != [UInt8(ascii: "*")] else { throw .reply("501 5.7.0 Authentication cancelled") }
        return answer
    }

    private func decodePublic(_ base64: [UInt8]) throws(Failure) -> String {
        do {
            let decoded = try SecretBase64.decode(base64[...])
            return decoded.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        } catch {
            throw Self.failure(error)
        }
    }

    private static func failure(_ error: SecretBase64.Failure) -> Failure {
        switch error {
        case .invalid: .reply("501 5.5.2 Invalid base64 in the response")
        case .memory(let error): .end(.failed("\(error)"))
        }
    }

    private func send(_ text: String, _ channel: inout some PreLoginChannel) throws(Failure) {
        do { try channel.send(Array(text.utf8)) } catch { throw .end(error) }
    }
}
