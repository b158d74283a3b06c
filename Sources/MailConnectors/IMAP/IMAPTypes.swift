public import Foundation

/// A mailbox (folder) as `LIST` reports it.
public struct IMAPMailbox: Sendable, Equatable {
    /// The mailbox name as the server spells it (modified UTF-7 for non-ASCII on IMAP4rev1 servers).
    public var name: String
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
}

/// A mail address from an envelope.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    /// The display name, RFC 2047-decoded, if any.
    public var name: String?
    /// `local@domain`.
    public var address: String

    public var description: String { name.map { "\($0) <\(address)>" } ?? address }
}

/// The summary of one message, from its IMAP `ENVELOPE`.
public struct MessageSummary: Sendable, Equatable {
    /// The message sequence number in the selected mailbox.
    public var sequenceNumber: Int
    /// The message UID.
    public var uid: UInt32?
    /// The Date header, parsed; nil if missing or unparseable.
    public var date: Date?
    /// The Date header as sent.
    public var dateText: String?
    /// The From addresses.
    public var from: [MailAddress]
    /// The Subject, RFC 2047-decoded.
    public var subject: String
    /// The Message-ID header.
    public var messageID: String?
}
