/// A part of a message that is an attachment, as described by its body structure.
///
/// What counts: a part with `Content-Disposition: attachment`; an `inline` part with a file name
/// or that is not text (an inline image); a resource of `multipart/related` (an image the HTML
/// shows); a part with no disposition that has a file name or is not text; a forwarded message
/// (`message/rfc822`), and the attachments inside it. Text parts without a file name are the
/// message's body, not attachments.
public struct Attachment: Sendable, Equatable {
    /// How the sender wants the part shown.
    public enum Kind: String, Sendable, Equatable {
        /// Shown as a file to save (`Content-Disposition: attachment`, or no disposition).
        case attachment
        /// Shown within the message (`inline`, or a resource of `multipart/related`).
        case inline
    }

    /// The IMAP part specifier to fetch it with (``IMAPClient/fetchPart(uid:section:encoding:maximumBytes:to:)``).
    public var section: String
    /// `type/subtype`, lower-cased.
    public var mimeType: String
    /// The file name, RFC 2231/2047 decoded, as the sender gave it. Untrusted: make it safe with
    /// ``SafeFileName`` before using it as a path.
    public var fileName: String?
    /// Attachment or inline.
    public var kind: Kind
    /// The size in octets as transferred (still encoded).
    public var encodedSize: Int
    /// The size after transfer decoding, estimated (base64 shrinks by a quarter).
    public var estimatedSize: Int
    /// The transfer encoding.
    public var encoding: TransferEncoding
    /// Content-ID, for inline parts referenced from HTML.
    public var contentID: String?
    /// Whether this is a forwarded message (`message/rfc822`).
    public var isForwardedMessage: Bool
    /// For a forwarded message: its envelope.
    public var forwardedEnvelope: MessageEnvelope?
    /// The section of the forwarded message this attachment is inside, if any.
    public var insideMessage: String?

    /// Describes `part`.
    init(_ part: BodyStructure, kind: Kind, insideMessage: String?) {
        section = part.section
        mimeType = part.mimeType
        fileName = part.fileName
        self.kind = kind
        encodedSize = part.size ?? 0
        encoding = part.transferEncoding
        estimatedSize = encoding == .base64 ? encodedSize / 4 * 3 * 76 / 78 : encodedSize
        contentID = part.contentID
        isForwardedMessage = part.isMessage
        forwardedEnvelope = part.envelope
        self.insideMessage = insideMessage
    }
}
