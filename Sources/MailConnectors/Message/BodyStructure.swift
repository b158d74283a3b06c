/// The MIME structure of a message as the server describes it (BODYSTRUCTURE, RFC 9051 §7.5.2),
/// or as ``MIMEEntity`` parses it from bytes.
///
/// One value describes one part. A multipart part has ``children`` and no encoding or size. A
/// `message/rfc822` part (a forwarded message) has the forwarded message's ``envelope`` and its
/// body as the only child.
public struct BodyStructure: Sendable, Equatable {
    /// The IMAP part specifier to fetch this part with (`1`, `1.2`, `2.1.3`). For a multipart it
    /// is the prefix of its children (`""` for the message itself).
    public var section: String
    /// The media type, lower-cased (`text`, `application`, `multipart`).
    public var type: String
    /// The media subtype, lower-cased (`plain`, `pdf`, `mixed`).
    public var subtype: String
    /// Content-Type parameters by lower-cased name, RFC 2231 and RFC 2047 decoded.
    public var parameters: [String: String]
    /// Content-ID.
    public var contentID: String?
    /// Content-Description, RFC 2047-decoded.
    public var contentDescription: String?
    /// Content-Transfer-Encoding, lower-cased; nil for multiparts.
    public var encoding: String?
    /// The size in octets as transferred (before transfer decoding); nil for multiparts.
    public var size: Int?
    /// Lines of text (text and message/rfc822 parts).
    public var lines: Int?
    /// Content-MD5.
    public var md5: String?
    /// Content-Disposition.
    public var disposition: ContentDisposition?
    /// Content-Language values.
    public var language: [String]
    /// Content-Location.
    public var location: String?
    /// Extension data the server sent beyond those fields, in IMAP syntax.
    public var extensions: [String]
    /// For `message/rfc822` (and `message/global`): the forwarded message's envelope.
    public var envelope: MessageEnvelope?
    /// Sub-parts of a multipart, or the body of a forwarded message.
    public var children: [BodyStructure]

    /// Creates a part description.
    public init(section: String, type: String, subtype: String, parameters: [String: String] = [:],
                contentID: String? = nil, contentDescription: String? = nil, encoding: String? = nil,
                size: Int? = nil, lines: Int? = nil, md5: String? = nil, disposition: ContentDisposition? = nil,
                language: [String] = [], location: String? = nil, extensions: [String] = [],
                envelope: MessageEnvelope? = nil, children: [BodyStructure] = []) {
        self.section = section
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
        self.contentID = contentID
        self.contentDescription = contentDescription
        self.encoding = encoding
        self.size = size
        self.lines = lines
        self.md5 = md5
        self.disposition = disposition
        self.language = language
        self.location = location
        self.extensions = extensions
        self.envelope = envelope
        self.children = children
    }

    /// `type/subtype`.
    public var mimeType: String { "\(type)/\(subtype)" }
    /// Whether this is a multipart.
    public var isMultipart: Bool { type == "multipart" }
    /// Whether this is a forwarded message (`message/rfc822` or `message/global`).
    public var isMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }
    /// The charset parameter, if any.
    public var charset: String? { parameters["charset"] }
    /// The transfer encoding as a decoder choice.
    public var transferEncoding: TransferEncoding { TransferEncoding(encoding) }

    /// The file name: Content-Disposition's `filename`, else Content-Type's `name`, decoded; nil if neither.
    public var fileName: String? {
        let name = disposition?.parameters["filename"] ?? parameters["name"]
        return name.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The part with IMAP specifier `section` (this one or a descendant), or nil.
    public func part(_ section: String) -> BodyStructure? {
        if self.section == section && !isMultipart { return self }
        for child in children {
            if let found = child.part(section) { return found }
        }
        return self.section == section ? self : nil
    }

    /// The parts that are attachments, in order, including those inside forwarded messages.
    /// See ``Attachment`` for what counts.
    public var attachments: [Attachment] {
        var found: [Attachment] = []
        collectAttachments(into: &found, isRelatedResource: false, insideMessage: nil)
        return found
    }

    private func collectAttachments(into found: inout [Attachment], isRelatedResource: Bool, insideMessage: String?) {
        if isMultipart {
            for (position, child) in children.enumerated() {
                // In multipart/related, the parts after the root are resources the root shows.
                child.collectAttachments(into: &found, isRelatedResource: subtype == "related" && position > 0,
                                         insideMessage: insideMessage)
            }
            return
        }
        let inline = disposition?.kind == "inline"
        if isMessage {
            found.append(Attachment(self, kind: inline ? .inline : .attachment, insideMessage: insideMessage))
            for child in children {
                child.collectAttachments(into: &found, isRelatedResource: false, insideMessage: section)
            }
            return
        }
        let isText = type == "text"
        if disposition?.kind == "attachment" {
            found.append(Attachment(self, kind: .attachment, insideMessage: insideMessage))
        } else if inline || isRelatedResource {
            if fileName != nil || !isText || isRelatedResource {
                found.append(Attachment(self, kind: .inline, insideMessage: insideMessage))
            }
        } else if fileName != nil || !isText {
            found.append(Attachment(self, kind: .attachment, insideMessage: insideMessage))
        }
    }
}

/// Content-Disposition (RFC 2183).
public struct ContentDisposition: Sendable, Equatable {
    /// The disposition type, lower-cased: `attachment`, `inline`, or another value.
    public var kind: String
    /// Parameters (`filename`, `size`, `creation-date`...) by lower-cased name, decoded.
    public var parameters: [String: String]

    /// Creates a disposition.
    public init(kind: String, parameters: [String: String] = [:]) {
        self.kind = kind
        self.parameters = parameters
    }
}
