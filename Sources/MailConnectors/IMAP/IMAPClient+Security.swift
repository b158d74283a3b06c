internal import Logging
internal import VaultCrypto

extension IMAPClient {
    /// Reads the greeting, upgrades with STARTTLS if asked, and learns the capabilities over TLS.
    func secure(starttls: Bool) throws(ConnectorError) {
        switch try readResponse() {
        case .status(.ok, let text):
            if !starttls, let code = text.code { adoptCapabilities(fromCode: code) }
        case .status(.bye, let text):
            throw .serverRejected(code: "BYE", text: text.text)
        case .status(.preauth, _):
            // Already "authenticated" before TLS: STARTTLS is impossible in that state, and a
            // session we did not log into is not the account's. Refuse.
            throw .protocolViolation("the server greeted with PREAUTH; appvault only uses sessions it logs into")
        default:
            throw .protocolViolation("the server's first line is not an IMAP greeting")
        }
        if starttls {
            try refreshCapabilities()
            guard capabilities.contains("STARTTLS") else {
                logger.warning("server does not offer STARTTLS; not sending credentials")
                throw .starttlsUnavailable
            }
            try run([.text("STARTTLS")])
            try connection.startTLS()
            capabilities = []  // anything learnt in plaintext may have been forged
        }
        if capabilities.isEmpty { try refreshCapabilities() }
    }

    /// Logs in as `username`: AUTHENTICATE PLAIN if offered (with SASL-IR when possible), else
    /// LOGIN unless the server disabled it. The secret is only ever in guarded memory. With
    /// `enablingUTF8` false the session stays as the server began it (a relayed session: the local
    /// client, not appvault, decides what to ENABLE).
    func authenticate(username: String, password: borrowing SecureBytes, enablingUTF8: Bool = true) throws {
        guard connection.isTLS || connection.isLocalChannel else { throw ConnectorError.starttlsUnavailable }
        let completion: IMAPStatusText
        do {
            if capabilities.contains("AUTH=PLAIN") {
                completion = try authenticatePlain(username: username, password: password)
            } else if !capabilities.contains("LOGINDISABLED") {
                completion = try login(username: username, password: password)
            } else {
                let offered = capabilities.filter { $0.hasPrefix("AUTH=") }.sorted().joined(separator: " ")
                throw ConnectorError.authenticationUnavailable(offered: offered.isEmpty ? "none" : offered)
            }
        } catch ConnectorError.serverRejected("NO", let text) {
            throw ConnectorError.authenticationFailed(serverText: text)
        }
        logger.debug("logged in", metadata: ["user": "\(username)"])
        capabilities = []
        if let code = completion.code { adoptCapabilities(fromCode: code) }
        if capabilities.isEmpty { try refreshCapabilities() }
        guard enablingUTF8 else { return }
        if capabilities.contains("UTF8=ACCEPT") {
            try enableUTF8()
        } else if capabilities.contains("IMAP4REV2") && !capabilities.contains("IMAP4REV1") {
            utf8Enabled = true  // an IMAP4rev2-only server speaks UTF-8 from the start
        }
    }

    /// Asks for UTF-8 mailbox names and strings (RFC 6855 `ENABLE UTF8=ACCEPT`).
    private func enableUTF8() throws(ConnectorError) {
        let (untagged, _) = try run([.text("ENABLE UTF8=ACCEPT")])
        for case .data(nil, "ENABLED", let values) in untagged where values.contains(where: { $0.text?.uppercased() == "UTF8=ACCEPT" }) {
            utf8Enabled = true
        }
    }

    private func authenticatePlain(username: String, password: borrowing SecureBytes) throws -> IMAPStatusText {
        let tag = makeTag()
        let message = try SASLPlain.message(username: username, password: password)
        if capabilities.contains("SASL-IR") {
            let line = try SecretLine.base64(prefix: Array("\(tag) AUTHENTICATE PLAIN ".utf8), message)
            try sendSecret(line, trace: "\(tag) AUTHENTICATE PLAIN \(SecretLine.redacted)")
        } else {
            try send(Array("\(tag) AUTHENTICATE PLAIN\r\n".utf8))
            _ = try awaitContinuation(tag: tag)
            try sendSecret(try SecretLine.base64(prefix: [], message), trace: SecretLine.redacted)
        }
        return try completion(of: tag)
    }

    /// `LOGIN user password`, each quoted or as a literal (RFC 3501 §6.2.3).
    private func login(username: String, password: borrowing SecureBytes) throws -> IMAPStatusText {
        let tag = makeTag()
        let user = Array(username.utf8)
        var head = Array("\(tag) LOGIN ".utf8)
        if IMAPString.isQuotable(user) {
            head += IMAPString.quoted(user) + [0x20]
        } else {
            try send(head + IMAPString.literalHeader(user.count))
            _ = try awaitContinuation(tag: tag)
            head = user + [0x20]
        }
        let quotable = password.withUnsafeBytes { IMAPString.isQuotable($0) }
        if quotable {
            let quotedCount = password.withUnsafeBytes { IMAPString.quotedCount($0) }
            var line = try SecureBytes(zeroedCount: head.count + quotedCount + 2)
            line.withUnsafeMutableBytes { out in
                var index = 0
                func put(_ byte: UInt8) { out[index] = byte; index += 1 }
                head.forEach(put)
                put(UInt8(ascii: "\""))
                password.withUnsafeBytes { secret in
                    for byte in secret {
                        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { put(UInt8(ascii: "\\")) }
                        put(byte)
                    }
                }
                put(UInt8(ascii: "\""))
                put(0x0D)
                put(0x0A)
            }
            try sendSecret(line, trace: "\(tag) LOGIN \(SecretLine.redacted)")
        } else {
            try send(head + IMAPString.literalHeader(password.count))
            _ = try awaitContinuation(tag: tag)
            try sendSecret(try SecretLine.raw(prefix: [], password, suffix: [0x0D, 0x0A]), trace: SecretLine.redacted)
        }
        return try completion(of: tag)
    }

    private func completion(of tag: String) throws(ConnectorError) -> IMAPStatusText {
        let (_, status, text) = try finish(tag: tag)
        // The response code ([AUTHENTICATIONFAILED], [UNAVAILABLE]) tells a dead password from a
        // temporary refusal (LoginFailure), so it stays in the text.
        let detail = text.code.map { "[\(ConnectorError.sanitize($0))] \(text.text)" } ?? text.text
        guard status == .ok else { throw .serverRejected(code: status.rawValue, text: detail) }
        return text
    }

    /// Writes a line holding a credential; the trace shows `trace` instead.
    private func sendSecret(_ line: borrowing SecureBytes, trace: String) throws(ConnectorError) {
        logger.trace("C: \(trace)")
        try line.withUnsafeBytes { (bytes) throws(ConnectorError) in try connection.write(bytes) }
    }

    private func refreshCapabilities() throws(ConnectorError) {
        let (untagged, _) = try run([.text("CAPABILITY")])
        for case .data(nil, "CAPABILITY", let values) in untagged {
            capabilities = Set(values.compactMap { $0.text?.uppercased() })
        }
        guard capabilities.contains("IMAP4REV1") || capabilities.contains("IMAP4REV2") else {
            throw .protocolViolation("the server is not an IMAP4rev1/rev2 server")
        }
    }

    private func adoptCapabilities(fromCode code: String) {
        let words = code.split(separator: " ").map { $0.uppercased() }
        guard words.first == "CAPABILITY" else { return }
        capabilities = Set(words.dropFirst())
    }
}
