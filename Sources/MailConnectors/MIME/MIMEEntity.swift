/// A message or body part parsed from bytes: an RFC 5322 header block and a MIME body
/// (RFC 2045, RFC 2046), with multiparts split at their boundaries and forwarded messages
/// (`message/rfc822`) parsed in turn. For `.eml` files, and to check what a server sends.
///
/// Parsing never fails: like real mail readers it accepts missing boundaries, a missing closing
/// boundary, bad Content-Type values (read as `text/plain`) and stray lines, and bounds nesting,
/// parts and header sizes. Bodies are slices of the parsed bytes, not copies.
public struct MIMEEntity: Sendable {
    /// The header fields.
    public var header: HeaderBlock
    /// This entity's structure (section numbering as in IMAP, so `structure.section` is the
    /// part specifier a server would use).
    public var structure: BodyStructure
    /// The body as sent (still transfer-encoded); for a multipart, everything after the header.
    public var body: ArraySlice<UInt8>
    /// Sub-parts of a multipart, or the forwarded message of a `message/rfc822` part.
    public var parts: [MIMEEntity]

    /// Limits that keep a hostile message from costing more than its size.
    public struct Limits: Sendable {
        /// Deepest nesting of multiparts and forwarded messages.
        public var maximumDepth = 32
        /// Most parts in one message.
        public var maximumParts = 10_000

        /// The default limits.
        public init() {}
    }

    /// Parses a whole message.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) -> MIMEEntity {
        var budget = limits.maximumParts
        return parse(bytes[...], section: nil, defaultType: ("text", "plain"), depth: 0, limits: limits, budget: &budget)
    }

    /// The Subject, RFC 2047-decoded; nil when there is none.
    public var subject: String? { header.first("Subject")?.decodedValue }
    /// The From addresses.
    public var from: [MailAddress] { header.first("From").map { AddressParser.parse($0.value) } ?? [] }
    /// The addresses of every field named `name` (To, Cc, Reply-To...).
    public func addresses(_ name: String) -> [MailAddress] { header.all(name).flatMap { AddressParser.parse($0.value) } }

    /// This entity and every part below it, depth first (forwarded messages included).
    public var allParts: [MIMEEntity] { [self] + parts.flatMap(\.allParts) }

    /// The part with IMAP specifier `section`, or nil.
    public func part(_ section: String) -> MIMEEntity? {
        allParts.first { $0.structure.section == section && !$0.structure.isMultipart }
    }

    /// The body with its transfer encoding undone.
    public func decodedBody() -> [UInt8] { structure.transferEncoding.decode(body) }

    /// The body as text, for `text/*` parts: transfer-decoded and converted from its charset
    /// (US-ASCII when none is named). Nil for parts that are not text. An unknown charset is
    /// reported in ``DecodedText/unknownCharset`` and the bytes are read as UTF-8.
    public func decodedText() -> DecodedText? {
        guard structure.type == "text" else { return nil }
        let bytes = decodedBody()
        let charset = structure.charset ?? "us-ascii"
        if let text = Charset.decode(bytes, charset: charset) { return DecodedText(text: text, unknownCharset: nil) }
        return DecodedText(text: String(decoding: bytes, as: UTF8.self), unknownCharset: ConnectorError.sanitize(charset))
    }

    private static func parse(_ bytes: ArraySlice<UInt8>, section: String?, defaultType: (String, String), depth: Int,
                              limits: Limits, budget: inout Int) -> MIMEEntity {
        budget -= 1
        let (header, bodyStart) = HeaderBlock.parse(bytes)
        let body = bytes[min(bodyStart, bytes.endIndex)...]
        var (type, subtype, parameters) = contentType(header, defaultType: defaultType)
        if type == "multipart", parameters["boundary"]?.isEmpty ?? true {
            (type, subtype) = ("text", "plain")  // a multipart without a boundary is read as text (RFC 2046 §5.1.1)
        }
        var structure = BodyStructure(
            section: section ?? (type == "multipart" ? "" : "1"), type: type, subtype: subtype, parameters: parameters,
            contentID: header.first("Content-ID")?.value,
            contentDescription: header.first("Content-Description")?.decodedValue,
            md5: header.first("Content-MD5")?.value,
            language: header.first("Content-Language").map { $0.value.split(separator: ",").map { String($0).trimmingWhiteSpace() } } ?? [],
            location: header.first("Content-Location")?.value)
        if let disposition = header.first("Content-Disposition") {
            let (kind, pairs) = MIMEParameters.split(disposition.raw)
            structure.disposition = ContentDisposition(kind: kind.lowercased(), parameters: MIMEParameters.decode(pairs))
        }
        var parts: [MIMEEntity] = []
        let canNest = depth < limits.maximumDepth && budget > 0
        var pieces: [ArraySlice<UInt8>] = []
        if type == "multipart", canNest, let boundary = parameters["boundary"] {
            let (found, sawDelimiter) = split(body, boundary: Array(boundary.utf8))
            if !sawDelimiter {
                // Not one delimiter line: the body is not split, it is read as text.
                (type, subtype) = ("text", "plain")
                structure.type = type
                structure.subtype = subtype
                structure.section = section ?? "1"
            }
            pieces = found
        }
        if structure.isMultipart, canNest {
            let prefix = structure.section
            for (index, piece) in pieces.enumerated() where budget > 0 {
                let childSection = prefix.isEmpty ? "\(index + 1)" : "\(prefix).\(index + 1)"
                let childDefault = subtype == "digest" ? ("message", "rfc822") : ("text", "plain")
                parts.append(parse(piece, section: childSection, defaultType: childDefault, depth: depth + 1, limits: limits, budget: &budget))
            }
        } else if !structure.isMultipart {
            structure.encoding = (header.first("Content-Transfer-Encoding")?.value.lowercased()).flatMap { $0.isEmpty ? nil : $0 } ?? "7bit"
            structure.size = body.count
            if type == "text" { structure.lines = body.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            if structure.isMessage, canNest {
                let mySection = structure.section
                let probe = HeaderBlock.parse(body).0
                let innerIsMultipart = contentType(probe, defaultType: ("text", "plain")).0 == "multipart"
                let inner = parse(body, section: innerIsMultipart ? mySection : "\(mySection).1", defaultType: ("text", "plain"),
                                  depth: depth + 1, limits: limits, budget: &budget)
                structure.envelope = inner.envelope
                parts = [inner]
            }
        }
        structure.children = parts.map(\.structure)
        return MIMEEntity(header: header, structure: structure, body: body, parts: parts)
    }

    /// The envelope of this entity's header, as a server would build it.
    public var envelope: MessageEnvelope {
        let dateText = header.first("Date")?.value
        let from = addresses("From")
        let sender = addresses("Sender")
        let replyTo = addresses("Reply-To")
        let groups = ["To", "Cc", "Bcc"].flatMap { header.all($0).flatMap { AddressParser.groups($0.value) } }
        return MessageEnvelope(
            date: dateText.flatMap(MailDate.parse), dateText: dateText, subject: subject ?? "", from: from,
            sender: sender.isEmpty ? from : sender, replyTo: replyTo.isEmpty ? from : replyTo,
            to: addresses("To"), cc: addresses("Cc"), bcc: addresses("Bcc"), groups: groups,
            inReplyTo: header.first("In-Reply-To")?.value, messageID: header.first("Message-ID")?.value)
    }

    /// Type, subtype and decoded parameters of the Content-Type field; `defaultType` when it is
    /// missing or malformed.
    private static func contentType(_ header: HeaderBlock, defaultType: (String, String)) -> (String, String, [String: String]) {
        guard let field = header.first("Content-Type") else { return (defaultType.0, defaultType.1, [:]) }
        let (value, pairs) = MIMEParameters.split(field.raw)
        let parameters = MIMEParameters.decode(pairs)
        let halves = value.lowercased().split(separator: "/", maxSplits: 1).map { String($0).trimmingWhiteSpace() }
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty,
              halves.allSatisfy({ $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } }) else {
            return ("text", "plain", parameters)
        }
        return (halves[0], halves[1], parameters)
    }

    /// The parts of a multipart body: the text between `--boundary` lines, without the
    /// preamble, the epilogue, and the line break before each delimiter; and whether any
    /// delimiter line was there at all.
    private static func split(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> (parts: [ArraySlice<UInt8>], sawDelimiter: Bool) {
        let delimiter: [UInt8] = [UInt8(ascii: "-"), UInt8(ascii: "-")] + boundary
        var pieces: [ArraySlice<UInt8>] = []
        var sawDelimiter = false
        var partStart: Int?
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: 0x0A) ?? body.endIndex
            let line = body[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let isClose = rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")])
                // The delimiter line may carry trailing white space only (RFC 2046 §5.1.1).
                let trailing = isClose ? rest.dropFirst(2) : rest
                if trailing.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    sawDelimiter = true
                    if let start = partStart {
                        var end = lineStart
                        // The CRLF before the delimiter belongs to the delimiter.
                        if end > start, body[end - 1] == 0x0A { end -= 1 }
                        if end > start, body[end - 1] == 0x0D { end -= 1 }
                        pieces.append(body[start..<max(start, end)])
                    }
                    if isClose { return (pieces, true) }
                    partStart = min(lineEnd + 1, body.endIndex)
                }
            }
            lineStart = lineEnd + 1
        }
        if let start = partStart, start < body.endIndex {
            // No closing delimiter: the last line break belongs to the delimiter that is missing.
            var end = body.endIndex
            if end > start, body[end - 1] == 0x0A { end -= 1 }
            if end > start, body[end - 1] == 0x0D { end -= 1 }
            pieces.append(body[start..<end])
        }
        return (pieces, sawDelimiter)
    }
}

/// A text part's content as text.
public struct DecodedText: Sendable, Equatable {
    /// The text.
    public var text: String
    /// The charset label when no decoder knows it (the text is then the bytes read as UTF-8, with
    /// replacement characters); nil when the charset was understood.
    public var unknownCharset: String?
}
