/// Turns a `BODYSTRUCTURE` (or `BODY`) value into a ``BodyStructure`` (RFC 9051 §7.5.2,
/// RFC 3501 §7.4.2): nested multiparts, forwarded messages with their envelope and body, and
/// extension data (MD5, disposition, language, location, unknown extensions).
enum BodyStructureDecoder {
    /// Decodes the structure of a whole message.
    static func decode(_ value: IMAPValue) throws(MessageDecodingError) -> BodyStructure {
        try part(value, section: nil)
    }

    /// `section` is nil for the message itself; otherwise this part's IMAP specifier.
    private static func part(_ value: IMAPValue, section: String?) throws(MessageDecodingError) -> BodyStructure {
        guard let items = value.items, !items.isEmpty else { throw MessageDecodingError("a body part is not a list") }
        if items[0].items != nil {
            return try multipart(items, section: section ?? "")
        }
        return try single(items, section: section ?? "1")
    }

    /// `(child)(child)... "subtype" [params [disposition [language [location ext...]]]]`.
    private static func multipart(_ items: [IMAPValue], section: String) throws(MessageDecodingError) -> BodyStructure {
        let childValues = items.prefix { $0.items != nil }
        var children: [BodyStructure] = []
        for (index, child) in childValues.enumerated() {
            children.append(try part(child, section: section.isEmpty ? "\(index + 1)" : "\(section).\(index + 1)"))
        }
        let rest = Array(items.dropFirst(childValues.count))
        guard let subtype = rest.first?.text else { throw MessageDecodingError("a multipart has no subtype") }
        var structure = BodyStructure(section: section, type: "multipart", subtype: subtype.lowercased(), children: children)
        if rest.count > 1 { structure.parameters = parameters(rest[1]) }
        applyExtensions(Array(rest.dropFirst(2)), to: &structure)
        return structure
    }

    /// `type subtype params id description encoding size [envelope body lines | lines] [extension data]`.
    private static func single(_ items: [IMAPValue], section: String) throws(MessageDecodingError) -> BodyStructure {
        guard items.count >= 7, let type = items[0].text, let subtype = items[1].text else {
            throw MessageDecodingError("a body part has fewer than 7 fields")
        }
        var structure = BodyStructure(
            section: section, type: type.lowercased(), subtype: subtype.lowercased(), parameters: parameters(items[2]),
            contentID: items[3].text, contentDescription: items[4].text.map(EncodedWords.decode),
            encoding: items[5].text?.lowercased(), size: items[6].number.map { Int(clamping: $0) })
        var next = 7
        if structure.isMessage, items.count >= 10, items[7].items != nil, items[8].items != nil {
            structure.envelope = try EnvelopeDecoder.envelope(items[7])
            let inner = items[8]
            let innerIsMultipart = inner.items?.first?.items != nil
            structure.children = [try part(inner, section: innerIsMultipart ? section : "\(section).1")]
            structure.lines = items[9].number.map { Int(clamping: $0) }
            next = 10
        } else if structure.type == "text", items.count >= 8 {
            structure.lines = items[7].number.map { Int(clamping: $0) }
            next = 8
        }
        let extensions = Array(items.dropFirst(next))
        if let md5 = extensions.first { structure.md5 = md5.text }
        applyExtensions(Array(extensions.dropFirst()), to: &structure)
        return structure
    }

    /// `[disposition [language [location extension...]]]`.
    private static func applyExtensions(_ values: [IMAPValue], to structure: inout BodyStructure) {
        if let disposition = values.first?.items, let kind = disposition.first?.text {
            structure.disposition = ContentDisposition(kind: kind.lowercased(),
                                                       parameters: disposition.count > 1 ? parameters(disposition[1]) : [:])
        }
        if values.count > 1 {
            structure.language = values[1].items?.compactMap(\.text) ?? values[1].text.map { [$0] } ?? []
        }
        if values.count > 2 { structure.location = values[2].text }
        structure.extensions = values.dropFirst(3).map(\.rendered)
    }

    /// `("name" "value" ...)` or NIL, RFC 2231 and RFC 2047 decoded.
    private static func parameters(_ value: IMAPValue) -> [String: String] {
        guard let items = value.items else { return [:] }
        var pairs: [(name: String, value: [UInt8])] = []
        for index in stride(from: 0, to: items.count - 1, by: 2) {
            guard let name = items[index].text, let value = items[index + 1].bytes else { continue }
            pairs.append((name, value))
        }
        return MIMEParameters.decode(pairs)
    }
}
