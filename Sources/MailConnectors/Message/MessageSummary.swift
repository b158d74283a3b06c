public import Foundation

/// What a FETCH said about one message: any of envelope, flags, size, internal date and
/// body structure, as asked for.
public struct MessageSummary: Sendable, Equatable {
    /// The message sequence number in the selected mailbox.
    public var sequenceNumber: Int
    /// The message UID.
    public var uid: UInt32?
    /// The envelope, if fetched.
    public var envelope: MessageEnvelope?
    /// The flags (`\Seen`, `\Answered`, keywords), if fetched.
    public var flags: [String]?
    /// RFC822.SIZE: the message's size in octets on the server, if fetched.
    public var size: Int?
    /// INTERNALDATE: when the server received the message, if fetched.
    public var internalDate: Date?
    /// The MIME structure, if fetched.
    public var bodyStructure: BodyStructure?

    /// Creates a summary.
    public init(sequenceNumber: Int, uid: UInt32? = nil, envelope: MessageEnvelope? = nil, flags: [String]? = nil,
                size: Int? = nil, internalDate: Date? = nil, bodyStructure: BodyStructure? = nil) {
        self.sequenceNumber = sequenceNumber
        self.uid = uid
        self.envelope = envelope
        self.flags = flags
        self.size = size
        self.internalDate = internalDate
        self.bodyStructure = bodyStructure
    }

    /// The Date header, parsed (from the envelope).
    public var date: Date? { envelope?.date }
    /// The Date header as sent (from the envelope).
    public var dateText: String? { envelope?.dateText }
    /// The From addresses (from the envelope).
    public var from: [MailAddress] { envelope?.from ?? [] }
    /// The Subject, RFC 2047-decoded (from the envelope).
    public var subject: String { envelope?.subject ?? "" }
    /// The Message-ID header (from the envelope).
    public var messageID: String? { envelope?.messageID }
    /// Whether the message has the `\Seen` flag (false when flags were not fetched).
    public var isSeen: Bool { flags?.contains { $0.caseInsensitiveCompare("\\Seen") == .orderedSame } ?? false }
    /// The attachments described by the body structure (empty when it was not fetched).
    public var attachments: [Attachment] { bodyStructure?.attachments ?? [] }
}
