/// What the control requests need from the agent's proxied sessions: a count, and ending some
/// at once when a lease, a token or the whole vault is taken away.
package protocol SessionControl: Sendable {
    /// Proxied sessions alive now.
    var liveSessionCount: Int { get }
    /// The IMAP and SMTP endpoint sockets the agent serves ("" when none).
    var endpointSockets: (imap: String, smtp: String) { get }
    /// Ends the sessions holding lease `id`.
    func endSessions(lease id: String, reason: String)
    /// Ends the sessions opened with client token `id`.
    func endSessions(token id: String, reason: String)
    /// Ends every session (the vault was locked).
    func endAllSessions(reason: String)
}

/// Sessions of an agent that serves no endpoints.
struct NoSessions: SessionControl {
    var liveSessionCount: Int { 0 }
    var endpointSockets: (imap: String, smtp: String) { ("", "") }
    func endSessions(lease id: String, reason: String) {}
    func endSessions(token id: String, reason: String) {}
    func endAllSessions(reason: String) {}
}
