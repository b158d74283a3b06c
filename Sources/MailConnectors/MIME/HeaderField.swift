/// One header field of a message or body part (RFC 5322 §2.2).
public struct HeaderField: Sendable, Equatable {
    /// The field name as sent (`Subject`, `content-type`).
    public var name: String
    /// The field body as sent, folding included, without the name, colon and final line break.
    public var raw: [UInt8]

    /// Creates a field.
    public init(name: String, raw: [UInt8]) {
        self.name = name
        self.raw = raw
    }

    /// The field body unfolded (line breaks removed, the white space after them kept) with
    /// leading and trailing white space removed; 8-bit bytes read as UTF-8.
    public var value: String {
        String(decoding: raw.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self).trimmingWhiteSpace()
    }

    /// The unfolded value with RFC 2047 words decoded: for unstructured fields such as Subject.
    public var decodedValue: String { EncodedWords.decode(value) }
}
