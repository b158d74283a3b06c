/// A response code in brackets after a status word (RFC 9051 §7.1, RFC 3501 §7.1, RFC 5530,
/// RFC 7162), parsed from its text.
public enum IMAPResponseCode: Equatable, Sendable {
    /// `ALERT`: the text must be shown to the user.
    case alert
    /// `CAPABILITY ...`: the server's capabilities (upper-cased).
    case capability([String])
    /// `PERMANENTFLAGS (...)`: flags the client may change for good.
    case permanentFlags([String])
    /// `READ-ONLY`: the mailbox is open read-only.
    case readOnly
    /// `READ-WRITE`: the mailbox is open read-write.
    case readWrite
    /// `UIDVALIDITY n`.
    case uidValidity(UInt32)
    /// `UIDNEXT n`.
    case uidNext(UInt32)
    /// `UNSEEN n` (IMAP4rev1): the first unseen message's sequence number.
    case unseen(UInt32)
    /// `HIGHESTMODSEQ n` (CONDSTORE/QRESYNC).
    case highestModSeq(UInt64)
    /// `NOMODSEQ`: the mailbox has no mod-sequences.
    case noModSeq
    /// `OVERQUOTA`: the account is over its quota (RFC 5530).
    case overQuota
    /// `AUTHENTICATIONFAILED`: the credentials were refused (RFC 5530).
    case authenticationFailed
    /// `UNAVAILABLE`: temporary failure on the server side (RFC 5530).
    case unavailable
    /// `TRYCREATE`: the target mailbox does not exist.
    case tryCreate
    /// `CLOSED`: the previous mailbox was closed (QRESYNC).
    case closed
    /// `APPENDUID uidvalidity uid` (UIDPLUS).
    case appendUID(uidValidity: UInt32, uid: UInt32)
    /// Any other code, with its arguments as sent (sanitised).
    case other(name: String, arguments: String?)

    /// Parses the text between the brackets. Unknown or malformed codes become ``other(name:arguments:)``.
    public init(parsing text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        let name = parts.first.map { $0.uppercased() } ?? ""
        let arguments = parts.count > 1 ? String(parts[1]) : nil
        let words = arguments?.split(separator: " ").map(String.init) ?? []
        let list = (arguments ?? "").split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" }).map(String.init)
        switch (name, words.count) {
        case ("ALERT", _): self = .alert
        case ("CAPABILITY", _): self = .capability(words.map { $0.uppercased() })
        case ("PERMANENTFLAGS", _): self = .permanentFlags(list)
        case ("READ-ONLY", 0): self = .readOnly
        case ("READ-WRITE", 0): self = .readWrite
        case ("UIDVALIDITY", 1) where UInt32(words[0]) != nil: self = .uidValidity(UInt32(words[0])!)
        case ("UIDNEXT", 1) where UInt32(words[0]) != nil: self = .uidNext(UInt32(words[0])!)
        case ("UNSEEN", 1) where UInt32(words[0]) != nil: self = .unseen(UInt32(words[0])!)
        case ("HIGHESTMODSEQ", 1) where UInt64(words[0]) != nil: self = .highestModSeq(UInt64(words[0])!)
        case ("NOMODSEQ", 0): self = .noModSeq
        case ("OVERQUOTA", _): self = .overQuota
        case ("AUTHENTICATIONFAILED", _): self = .authenticationFailed
        case ("UNAVAILABLE", _): self = .unavailable
        case ("TRYCREATE", _): self = .tryCreate
        case ("CLOSED", _): self = .closed
        case ("APPENDUID", 2) where UInt32(words[0]) != nil && UInt32(words[1]) != nil:
            self = .appendUID(uidValidity: UInt32(words[0])!, uid: UInt32(words[1])!)
        default:
            self = .other(name: ConnectorError.sanitize(name), arguments: arguments.map(ConnectorError.sanitize))
        }
    }
}

