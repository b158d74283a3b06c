/// A mailbox (folder) as `LIST` reports it.
public struct IMAPMailbox: Sendable, Equatable {
    /// The mailbox name as the server spells it (modified UTF-7 for non-ASCII on IMAP4rev1
    /// servers): pass this one back to ``IMAPClient/select(_:)`` and friends.
    public var name: String
    /// The name for people: modified UTF-7 decoded (RFC 3501 §5.1.3); the same as ``name`` when
    /// the server speaks UTF-8 (IMAP4rev2, UTF8=ACCEPT) or the name is not valid modified UTF-7.
    public var displayName: String
    /// The hierarchy delimiter, if the server uses one.
    public var delimiter: String?
    /// Attributes such as `\HasNoChildren`, `\Noselect`, `\Sent`.
    public var attributes: [String]
}

/// What `SELECT`/`EXAMINE` report about the opened mailbox.
public struct IMAPMailboxStatus: Sendable, Equatable {
    /// The mailbox name.
    public var name: String
    /// Number of messages.
    public var messageCount: Int
    /// UIDVALIDITY, if reported.
    public var uidValidity: UInt32?
    /// The next UID to be assigned, if reported.
    public var uidNext: UInt32?
    /// Whether the mailbox was opened read-only (EXAMINE, or the server's choice).
    public var readOnly: Bool
    /// The number of messages with the `\Recent` flag, if reported (IMAP4rev1).
    public var recentCount: Int?
    /// The flags defined in the mailbox (`FLAGS`).
    public var flags: [String] = []
    /// The flags the client can change permanently (`PERMANENTFLAGS`).
    public var permanentFlags: [String] = []
    /// HIGHESTMODSEQ, if the server supports CONDSTORE.
    public var highestModSeq: UInt64?
    /// Texts the server flagged with `[ALERT]` while opening: show them to the user (sanitised).
    public var alerts: [String] = []
}

