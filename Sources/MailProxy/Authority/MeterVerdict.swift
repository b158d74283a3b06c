/// The authority's answer to a traffic report.
package enum MeterVerdict: Sendable, Equatable {
    /// Keep relaying.
    case proceed
    /// The account's daily limit is reached: the session ends at the next response boundary
    /// with IMAP `* BYE [OVERQUOTA] text` / SMTP `421 4.7.0 text`.
    case limitReached(String)
}
