/// One value in IMAP response data.
enum IMAPValue: Equatable, Sendable {
    /// An atom such as `INBOX`, `\Seen` or `ENVELOPE`.
    case atom(String)
    /// A number.
    case number(UInt64)
    /// A quoted string or a literal, as raw bytes.
    case string([UInt8])
    /// `NIL`.
    case `nil`
    /// A parenthesised list.
    case list([IMAPValue])

    /// The text of an atom, string or number; nil for NIL and lists.
    var text: String? {
        switch self {
        case .atom(let text): text
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .number(let number): String(number)
        case .nil, .list: nil
        }
    }
}

/// The status word of a tagged or untagged status response.
enum IMAPStatus: String, Sendable {
    case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"
}

/// `[CODE ...] text` after a status word.
struct IMAPStatusText: Equatable, Sendable {
    /// The response code inside the brackets, e.g. `UIDVALIDITY 42` or `CAPABILITY IMAP4rev1 ...`.
    var code: String?
    /// The human-readable rest, sanitised.
    var text: String
}

/// One complete server response (with its literals).
enum IMAPResponse: Equatable, Sendable {
    /// `+ text`: the server waits for more of the command.
    case continuation(String)
    /// `tag OK|NO|BAD text`: the command `tag` finished.
    case tagged(tag: String, status: IMAPStatus, text: IMAPStatusText)
    /// `* OK|NO|BAD|PREAUTH|BYE text`.
    case status(IMAPStatus, IMAPStatusText)
    /// `* [number] KEYWORD values...`, e.g. `* 3 EXISTS`, `* CAPABILITY ...`, `* 1 FETCH (...)`.
    case data(number: UInt64?, keyword: String, values: [IMAPValue])
}
