internal import MailConnectors

/// The one table from refusals to what the local client is told: one IMAP response code and one
/// SMTP reply per ``SessionRefusal`` case (docs/proxy.md shows it). Texts are sanitised: no
/// CR/LF can reach the client from an authority's or server's words.
enum ProxyReply {
    /// The IMAP response code (RFC 5530), SMTP reply code with enhanced status (RFC 3463,
    /// RFC 4954) and text for `refusal`.
    static func words(for refusal: SessionRefusal) -> (imapCode: String, smtpCode: String, text: String) {
        switch refusal {
        case .invalidCredential:
            ("AUTHENTICATIONFAILED", "535 5.7.8", "Invalid credentials")
        case .expired(let text):
            ("EXPIRED", "535 5.7.8", "Credential expired: \(text)")
        case .locked:
            ("UNAVAILABLE", "454 4.7.0", "The vault is locked; run appvault unlock")
        case .denied(let text):
            ("AUTHORIZATIONFAILED", "535 5.7.1", "Not allowed: \(text)")
        case .trafficLimit(let text):
            ("OVERQUOTA", "454 4.7.0", "Daily traffic limit reached: \(text)")
        case .tooManySessions(let limit):
            ("LIMIT", "454 4.7.0", "Too many sessions for this account (limit \(limit))")
        case .rateLimited(let seconds):
            ("LIMIT", "454 4.7.0", "Too many failed logins; try again in \(seconds) s")
        case .accountUnavailable(let text):
            ("CONTACTADMIN", "535 5.7.0", "Account unavailable: \(text)")
        case .unavailable(let text):
            ("UNAVAILABLE", "454 4.7.0", "Temporarily unavailable: \(text)")
        }
    }

    /// IMAP: `tag NO [CODE] text`.
    static func imap(tag: String, _ refusal: SessionRefusal) -> [UInt8] {
        let words = words(for: refusal)
        return Array("\(tag) NO [\(words.imapCode)] \(sanitize(words.text))\r\n".utf8)
    }

    /// SMTP: `535 5.7.8 text`.
    static func smtp(_ refusal: SessionRefusal) -> [UInt8] {
        let words = words(for: refusal)
        return Array("\(words.smtpCode) \(sanitize(words.text))\r\n".utf8)
    }

    /// The refusal a failed upstream login becomes: a rejected password makes the account
    /// unusable until rotated; anything else is temporary.
    static func refusal(for failure: UpstreamFailure) -> SessionRefusal {
        switch failure {
        case .passwordRejected:
            .accountUnavailable("the mail provider rejected the stored app password; rotate it")
        case .temporary(let text):
            .unavailable("the mail server refused for now (\(text))")
        case .unreachable(let text):
            .unavailable("cannot reach the mail server (\(text))")
        }
    }

    /// Printable ASCII, no CR/LF, at most 200 characters.
    static func sanitize(_ text: String) -> String { SafeText.sanitize(text) }
}
