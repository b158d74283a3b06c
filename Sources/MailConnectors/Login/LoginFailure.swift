/// How a failed login to a mail server should be treated: only a provider rejecting the
/// password means the stored app password is dead; throttling and outages are temporary; a
/// network, TLS or protocol problem says nothing about the password.
///
/// ``classify(_:)`` reads the errors ``IMAPClient`` and ``SMTPClient`` throw while connecting
/// and logging in. Real provider replies and what they become:
///
/// | reply | verdict |
/// |---|---|
/// | IMAP `NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)` (Gmail, Yahoo, Dovecot) | password rejected |
/// | IMAP `NO [ALERT] Application-specific password required: ...` (Gmail) | password rejected |
/// | IMAP `NO AUTHENTICATE failed.` / `NO LOGIN failed.` (Outlook, no code) | password rejected |
/// | IMAP `NO [UNAVAILABLE] ...`, `[LIMIT]`, `[INUSE]`, `[OVERQUOTA]`, `[SERVERBUG]` | temporary |
/// | IMAP `NO [ALERT] Too many simultaneous connections. (Failure)` (Gmail) | temporary |
/// | IMAP `NO [ALERT] Please log in via your web browser ...` (Gmail blocked the sign-in) | temporary |
/// | SMTP `535 5.7.8 ...BadCredentials`, `534 5.7.9 Application-specific password required` (Gmail) | password rejected |
/// | SMTP `535 5.7.3 Authentication unsuccessful` (Outlook) | password rejected |
/// | SMTP `421`, `454 4.7.0 Too many login attempts` and every other 4xx | temporary |
/// | SMTP 5xx that says "too many" or "try again" (Yahoo `535 5.7.0 (#AUTH005) Too many bad auth attempts`) | temporary |
/// | greeting `* BYE ...` or SMTP 4xx greeting | temporary |
/// | DNS, TCP, time-outs, TLS, certificates, STARTTLS missing, protocol errors | unreachable |
package enum LoginFailure: Equatable, Sendable, CustomStringConvertible {
    /// The provider rejected the user name and app password: the stored password is dead
    /// (revoked at the provider, or never right). Rotate it.
    case passwordRejected(String)
    /// The provider refused for now (throttling, too many connections, an outage). The password
    /// may well be fine; try again later.
    case temporary(String)
    /// The server could not be reached or spoken to safely (network, TLS, certificate,
    /// protocol). Nothing is known about the password.
    case unreachable(String)

    /// The sanitised reason, for logs and replies.
    package var reason: String {
        switch self {
        case .passwordRejected(let text), .temporary(let text), .unreachable(let text): text
        }
    }

    package var description: String {
        switch self {
        case .passwordRejected(let text): "password rejected: \(text)"
        case .temporary(let text): "temporary refusal: \(text)"
        case .unreachable(let text): "unreachable: \(text)"
        }
    }

    /// The verdict for an error thrown by `IMAPClient.connect` or `SMTPClient.connect`.
    package static func classify(_ error: any Error) -> LoginFailure {
        guard let error = error as? ConnectorError else { return .unreachable(ConnectorError.sanitize("\(error)")) }
        switch error {
        case .authenticationFailed(let text):
            return classifyRejection(text)
        case .serverRejected(let code, let text):
            let line = "\(code) \(text)"
            if code == "BYE" || code.hasPrefix("4") || mentionsTemporaryTrouble(line) { return .temporary(line) }
            return .unreachable(line)
        default:
            return .unreachable(error.description)
        }
    }

    /// A refused login: IMAP `[CODE] text` (IMAPClient keeps the code) or SMTP `535 5.7.8 text`.
    private static func classifyRejection(_ text: String) -> LoginFailure {
        let upper = text.uppercased()
        let smtpCode = text.utf8.prefix(3).allSatisfy { (0x30...0x39).contains($0) } && text.utf8.count >= 3
            ? Int(text.prefix(3)) : nil
        if let smtpCode, (400..<500).contains(smtpCode) { return .temporary(text) }
        let explicitlyDead = ["[AUTHENTICATIONFAILED]", "APPLICATION-SPECIFIC PASSWORD REQUIRED", " 5.7.8", " 5.7.9"]
        if explicitlyDead.contains(where: upper.contains) { return .passwordRejected(text) }
        if mentionsTemporaryTrouble(text) { return .temporary(text) }
        return .passwordRejected(text)
    }

    /// Response codes and phrases providers use for "not now" (RFC 5530 codes, Gmail's and
    /// Yahoo's texts).
    private static func mentionsTemporaryTrouble(_ text: String) -> Bool {
        let upper = text.uppercased()
        let markers = ["[UNAVAILABLE]", "[LIMIT]", "[INUSE]", "[OVERQUOTA]", "[SERVERBUG]", "TOO MANY",
                       "TRY AGAIN", "TEMPORAR", "WEB BROWSER"]
        return markers.contains(where: upper.contains)
    }
}
