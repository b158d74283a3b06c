public import Foundation

/// The envelope of a message (RFC 9051 §7.5.2): its main header fields as the server parsed
/// them, with RFC 2047 words decoded.
public struct MessageEnvelope: Sendable, Equatable {
    /// The Date header, parsed; nil if missing or unparseable.
    public var date: Date?
    /// The Date header as sent.
    public var dateText: String?
    /// The Subject, RFC 2047-decoded; empty when there is none.
    public var subject: String
    /// The From addresses.
    public var from: [MailAddress]
    /// The Sender addresses (servers repeat From when there is no Sender header).
    public var sender: [MailAddress]
    /// The Reply-To addresses (servers repeat From when there is no Reply-To header).
    public var replyTo: [MailAddress]
    /// The To addresses, group members included (their ``MailAddress/group`` says which group).
    public var to: [MailAddress]
    /// The Cc addresses.
    public var cc: [MailAddress]
    /// The Bcc addresses.
    public var bcc: [MailAddress]
    /// Names of the RFC 5322 groups listed in To, Cc or Bcc, also empty ones (`undisclosed-recipients:;`).
    public var groups: [String]
    /// The In-Reply-To header.
    public var inReplyTo: String?
    /// The Message-ID header.
    public var messageID: String?

    /// Creates an envelope.
    public init(date: Date? = nil, dateText: String? = nil, subject: String = "", from: [MailAddress] = [],
                sender: [MailAddress] = [], replyTo: [MailAddress] = [], to: [MailAddress] = [],
                cc: [MailAddress] = [], bcc: [MailAddress] = [], groups: [String] = [],
                inReplyTo: String? = nil, messageID: String? = nil) {
        self.date = date
        self.dateText = dateText
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.groups = groups
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }
}
