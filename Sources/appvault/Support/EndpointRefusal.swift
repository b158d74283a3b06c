import AppVault

/// The exit status for a refusal from the agent's IMAP or SMTP endpoint, read from the response
/// code (IMAP, RFC 5530) or the reply code (SMTP) the endpoint chose; docs/proxy.md has the table
/// of refusals and docs/cli.md the resulting exit codes.
enum EndpointRefusal {
    /// The exit status for a refused login: `[CODE] text` (IMAP) or `535 5.7.8 text` (SMTP).
    static func status(ofRefusal text: String) -> ExitStatus {
        let upper = text.uppercased()
        if let code = imapCode(upper) {
            switch code {
            case "AUTHENTICATIONFAILED", "EXPIRED", "LIMIT": return .refused
            case "UNAVAILABLE": return upper.contains("LOCKED") ? .locked : .network
            case "CONTACTADMIN": return .loginRejected
            case "OVERQUOTA": return .trafficLimit
            case "AUTHORIZATIONFAILED": return .policyDenied
            default: return .refused
            }
        }
        if upper.hasPrefix("535 5.7.1") { return .policyDenied }
        if upper.hasPrefix("535 5.7.0") { return .loginRejected }
        if upper.hasPrefix("454") {
            if upper.contains("LOCKED") { return .locked }
            if upper.contains("TRAFFIC LIMIT") { return .trafficLimit }
            if upper.contains("TOO MANY") { return .refused }
            return .network
        }
        return .refused
    }

    /// The exit status for a session the agent ended (`* BYE reason`, the reason without its
    /// code), or nil when it is worth reconnecting (the upstream dropped, the password was
    /// rotated, the agent stopped): a revoked lease, token or account ends it for good, a traffic
    /// limit until tomorrow. A locked vault shows up when the next login is asked for.
    static func status(ofSessionEnd reason: String) -> ExitStatus? {
        let lower = reason.lowercased()
        if lower.contains("traffic limit") { return .trafficLimit }
        if lower.contains("revoked") { return .refused }
        return nil
    }

    /// `NAME` of a leading `[NAME ...]`.
    private static func imapCode(_ text: String) -> String? {
        guard text.hasPrefix("["), let end = text.firstIndex(where: { $0 == "]" || $0 == " " }) else { return nil }
        return String(text[text.index(after: text.startIndex)..<end])
    }
}
