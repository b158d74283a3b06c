/// One value in IMAP response data.
enum IMAPValue: Equatable, Sendable {
    /// An atom such as `INBOX`, `\Seen`, `ENVELOPE` or `BODY[HEADER.FIELDS (FROM)]<0>`.
    case atom(String)
    /// A number.
    case number(UInt64)
    /// A quoted string, a literal `{n}` or a literal8 `~{n}`, as raw bytes.
    case string([UInt8])
    /// A literal whose bytes went to a ``LiteralSink`` instead of memory; the value is its length.
    case streamed(Int)
    /// `NIL`.
    case `nil`
    /// A parenthesised list.
    case list([IMAPValue])

    /// The text of an atom, string or number; nil for NIL, lists and streamed literals.
    var text: String? {
        switch self {
        case .atom(let text): text
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .number(let number): String(number)
        case .nil, .list, .streamed: nil
        }
    }

    /// The raw bytes of an atom, string or number; nil otherwise.
    var bytes: [UInt8]? {
        switch self {
        case .string(let bytes): bytes
        case .atom(let text): Array(text.utf8)
        case .number(let number): Array(String(number).utf8)
        case .nil, .list, .streamed: nil
        }
    }

    /// The number, also when a server sent it as a string of digits.
    var number: UInt64? {
        switch self {
        case .number(let value):
            return value
        case .atom, .string:
            guard let text, text.utf8.count <= 19 else { return nil }
            return UInt64(text)
        case .nil, .list, .streamed:
            return nil
        }
    }

    /// The items of a list; nil for anything else.
    var items: [IMAPValue]? {
        if case .list(let items) = self { return items }
        return nil
    }

    /// The value in IMAP syntax, shortened, for extension data and diagnostics (sanitised).
    var rendered: String {
        switch self {
        case .atom(let text): return ConnectorError.sanitize(text)
        case .number(let number): return String(number)
        case .string(let bytes): return "\"" + ConnectorError.sanitize(bytes) + "\""
        case .streamed(let count): return "{\(count)}"
        case .nil: return "NIL"
        case .list(let items): return "(" + items.map(\.rendered).joined(separator: " ") + ")"
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

    /// The response code, parsed.
    var responseCode: IMAPResponseCode? { code.map(IMAPResponseCode.init(parsing:)) }
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
    /// An untagged response whose data broke the grammar. The parser skipped it (to the end of
    /// its line, across literals) and went on: one odd message never ends a whole listing.
    case malformed(number: UInt64?, keyword: String, reason: String)
}
