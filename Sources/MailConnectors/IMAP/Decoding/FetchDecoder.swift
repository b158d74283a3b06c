/// Turns the data of untagged FETCH responses into ``MessageSummary`` values, one message at a
/// time: what cannot be decoded becomes a ``MessageProblem`` for that message only.
enum FetchDecoder {
    /// Decodes `(name value ...)` of message `sequenceNumber` into `summary` (merging, since
    /// servers may split one message's items over several responses).
    static func merge(_ values: [IMAPValue], into summary: inout MessageSummary) throws(MessageDecodingError) {
        guard values.count == 1, let items = values.first?.items, items.count % 2 == 0 else {
            throw MessageDecodingError("FETCH data is not a list of name/value pairs")
        }
        for pair in stride(from: 0, to: items.count, by: 2) {
            guard let name = items[pair].text?.uppercased() else { throw MessageDecodingError("a FETCH item has no name") }
            let value = items[pair + 1]
            switch name {
            case "UID":
                guard let uid = value.number.flatMap({ UInt32(exactly: $0) }) else { throw MessageDecodingError("UID is not a 32-bit number") }
                summary.uid = uid
            case "FLAGS":
                guard let flags = value.items else { throw MessageDecodingError("FLAGS is not a list") }
                summary.flags = flags.compactMap(\.text)
            case "RFC822.SIZE":
                guard let size = value.number else { throw MessageDecodingError("RFC822.SIZE is not a number") }
                summary.size = Int(clamping: size)
            case "INTERNALDATE":
                summary.internalDate = value.text.flatMap(MailDate.parse)
            case "ENVELOPE":
                summary.envelope = try EnvelopeDecoder.envelope(value)
            case "BODYSTRUCTURE", "BODY":
                summary.bodyStructure = try BodyStructureDecoder.decode(value)
            default:
                break  // body sections, MODSEQ, X-GM-*: read by the callers that asked for them
            }
        }
    }

    /// The value of item `name` (case-insensitive, exact) in FETCH `values`, if present.
    static func item(_ name: String, in values: [IMAPValue]) -> IMAPValue? {
        guard let items = values.first?.items else { return nil }
        for pair in stride(from: 0, to: items.count - 1, by: 2) where items[pair].text?.uppercased() == name {
            return items[pair + 1]
        }
        return nil
    }
}
