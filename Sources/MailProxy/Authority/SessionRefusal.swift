/// Why a login was refused. Each case maps to one IMAP response code and one SMTP reply
/// (``ProxyReply``; the table is in docs/proxy.md). Texts are shown to the local client after
/// sanitising: they must never hold a secret.
package enum SessionRefusal: Error, Sendable, Equatable {
    /// The token or lease password is unknown or wrong, or belongs to another account. The client
    /// must be configured with a valid credential (`appvault token add`, `appvault lease grant`).
    case invalidCredential
    /// The token expired, or the lease expired or was already spent. Issue a new one.
    case expired(String)
    /// The vault is locked. Run `appvault unlock`, then log in again.
    case locked
    /// The agent's policy does not let this peer use this account or protocol. Change the policy
    /// or run the client as an allowed user or program.
    case denied(String)
    /// The account's daily provider traffic limit is reached. Wait for the next UTC day.
    case trafficLimit(String)
    /// The account already has `limit` upstream sessions (providers cap concurrent connections).
    /// Close another session, or raise the limit.
    case tooManySessions(limit: Int)
    /// This peer failed to log in too often. Wait `retryAfterSeconds`, and fix its credential.
    case rateLimited(retryAfterSeconds: Int)
    /// The account is revoked, or the provider rejected its stored password. Rotate the password
    /// (`appvault rotate`), or use another account.
    case accountUnavailable(String)
    /// The vault's store is unreachable or something failed inside the agent. Try again; the
    /// agent's log says more.
    case unavailable(String)
}
