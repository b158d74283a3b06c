public import Foundation

/// What `UID SEARCH` looks for; every criterion given must match (AND). Texts may be any
/// Unicode: they are sent with `CHARSET UTF-8` (or as UTF-8 when the session enabled it) and
/// as literals when they cannot be quoted.
public struct SearchCriteria: Sendable, Equatable {
    /// Messages received (INTERNALDATE) on or after this day (`SINCE`).
    public var since: Date?
    /// Messages received before this day (`BEFORE`).
    public var before: Date?
    /// The From header contains this text (`FROM`).
    public var from: String?
    /// The To header contains this text (`TO`).
    public var to: String?
    /// The Subject contains this text (`SUBJECT`).
    public var subject: String?
    /// Only messages without the `\Seen` flag (`UNSEEN`).
    public var unseen: Bool
    /// Only messages larger than this many octets (`LARGER`).
    public var larger: Int?
    /// Only messages with these UIDs (`UID set`).
    public var uids: [UInt32]?
    /// A Gmail search expression (`X-GM-RAW`, e.g. `has:attachment newer_than:7d`); only for
    /// servers offering X-GM-EXT-1.
    public var gmailRaw: String?
    /// The time zone whose calendar days ``since`` and ``before`` name (servers compare days).
    public var timeZone: TimeZone

    /// Creates criteria; with none given, every message matches.
    public init(since: Date? = nil, before: Date? = nil, from: String? = nil, to: String? = nil,
                subject: String? = nil, unseen: Bool = false, larger: Int? = nil, uids: [UInt32]? = nil,
                gmailRaw: String? = nil, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.since = since
        self.before = before
        self.from = from
        self.to = to
        self.subject = subject
        self.unseen = unseen
        self.larger = larger
        self.uids = uids
        self.gmailRaw = gmailRaw
        self.timeZone = timeZone
    }

    /// The longest search text accepted.
    static let maximumTextBytes = 1000

    /// The command parts after `UID SEARCH`, and whether any text is not ASCII.
    func commandParts(gmail: Bool) throws(ConnectorError) -> (parts: [IMAPCommandPart], nonASCII: Bool) {
        var parts: [IMAPCommandPart] = []
        var nonASCII = false
        func key(_ word: String) { parts.append(.text(parts.isEmpty ? word : " " + word)) }
        func text(_ word: String, _ value: String) throws(ConnectorError) {
            guard !value.isEmpty, value.utf8.count <= Self.maximumTextBytes, !value.utf8.contains(0) else {
                throw .invalidArgument("a search text must be 1 to \(Self.maximumTextBytes) bytes without NUL")
            }
            if !value.unicodeScalars.allSatisfy(\.isASCII) { nonASCII = true }
            key(word + " ")
            parts.append(.string(value))
        }
        if let since { key("SINCE " + MailDate.searchDate(since, timeZone: timeZone)) }
        if let before { key("BEFORE " + MailDate.searchDate(before, timeZone: timeZone)) }
        if let from { try text("FROM", from) }
        if let to { try text("TO", to) }
        if let subject { try text("SUBJECT", subject) }
        if unseen { key("UNSEEN") }
        if let larger {
            guard larger >= 0 else { throw .invalidArgument("LARGER needs a size of 0 or more") }
            key("LARGER \(larger)")
        }
        if let uids {
            guard !uids.isEmpty else { throw .invalidArgument("an empty UID set matches nothing") }
            key("UID " + UIDSet.format(uids))
        }
        if let gmailRaw {
            guard gmail else { throw .unsupported("X-GM-RAW (Gmail search; the server does not offer X-GM-EXT-1)") }
            try text("X-GM-RAW", gmailRaw)
        }
        if parts.isEmpty { key("ALL") }
        return (parts, nonASCII)
    }
}
