internal import Logging
internal import VaultCrypto

extension SMTPClient {
    /// Reads the greeting, says EHLO, upgrades with STARTTLS if asked, and says EHLO again over TLS.
    func secure(starttls: Bool) throws(ConnectorError) {
        let greeting = try readReply()
        guard greeting.code == 220 else { throw .serverRejected(code: String(greeting.code), text: greeting.text) }
        try ehlo()
        if starttls {
            guard extensions["STARTTLS"] != nil else {
                logger.warning("server does not offer STARTTLS; not sending credentials")
                throw .starttlsUnavailable
            }
            try command("STARTTLS", expect: 220)
            try connection.startTLS()
            extensions = [:]  // anything learnt in plaintext may have been forged
            try ehlo()
        }
    }

    /// AUTH PLAIN with an initial response, or AUTH LOGIN if only that is offered (RFC 4954).
    func authenticate(username: String, password: borrowing SecureBytes) throws {
        guard connection.isTLS || connection.isLocalChannel else { throw ConnectorError.starttlsUnavailable }
        let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let message = try SASLPlain.message(username: username, password: password)
            let line = try SecretLine.base64(prefix: Array("AUTH PLAIN ".utf8), message)
            try sendSecret(line, trace: "AUTH PLAIN \(SecretLine.redacted)")
        } else if mechanisms.contains("LOGIN") {
            try command("AUTH LOGIN", expect: 334)
            try command(Base64.encode(Array(username.utf8)), expect: 334)
            try sendSecret(try SecretLine.base64(prefix: [], password), trace: SecretLine.redacted)
        } else {
            throw ConnectorError.authenticationUnavailable(offered: mechanisms.isEmpty ? "none" : mechanisms.sorted().joined(separator: " "))
        }
        var reply = try readReply()
        if reply.code == 334 {  // the server wants more than PLAIN/LOGIN need: cancel
            try send("*")
            reply = try readReply()
        }
        guard reply.code == 235 else {
            if (500..<600).contains(reply.code) || reply.code == 334 {
                throw ConnectorError.authenticationFailed(serverText: "\(reply.code) \(reply.text)")
            }
            throw ConnectorError.serverRejected(code: String(reply.code), text: reply.text)
        }
        logger.debug("authenticated", metadata: ["user": "\(username)"])
    }

    /// Sends a public command line and checks the reply code.
    @discardableResult
    func command(_ line: String, expect code: Int) throws(ConnectorError) -> SMTPReply {
        try send(line)
        return try expect(code, after: line.split(separator: " ").first.map(String.init) ?? line)
    }

    /// Reads a reply and throws ``ConnectorError/serverRejected(code:text:)`` unless it has `code`.
    @discardableResult
    func expect(_ code: Int, after what: String) throws(ConnectorError) -> SMTPReply {
        let reply = try readReply()
        guard reply.code == code else {
            logger.debug("unexpected reply", metadata: ["to": "\(what)", "code": "\(reply.code)"])
            throw .serverRejected(code: String(reply.code), text: reply.text)
        }
        return reply
    }

    private func ehlo() throws(ConnectorError) {
        let reply = try command("EHLO \(clientName)", expect: 250)
        extensions = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ", maxSplits: 1)
            guard let keyword = words.first else { continue }
            extensions[keyword.uppercased()] = words.count > 1 ? String(words[1]) : ""
        }
    }

    private func send(_ line: String) throws(ConnectorError) {
        logger.trace("C: \(ConnectorError.sanitize(line))")
        try connection.write(Array((line + "\r\n").utf8))
    }

    private func readReply() throws(ConnectorError) -> SMTPReply {
        var source = connection
        let reply = try SMTPReplyParser.read(from: &source, maxLineBytes: maxLineBytes)
        logger.trace("S: \(reply.code) \(reply.text)")
        return reply
    }

    private func sendSecret(_ line: borrowing SecureBytes, trace: String) throws(ConnectorError) {
        logger.trace("C: \(trace)")
        try line.withUnsafeBytes { (bytes) throws(ConnectorError) in try connection.write(bytes) }
    }
}
