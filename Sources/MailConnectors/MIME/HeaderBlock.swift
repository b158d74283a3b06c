/// The header fields of a message or body part, in order (RFC 5322 §2.2, §3.6).
public struct HeaderBlock: Sendable, Equatable {
    /// The fields in the order sent.
    public var fields: [HeaderField]

    /// Creates a block.
    public init(fields: [HeaderField] = []) { self.fields = fields }

    /// The first field named `name` (case-insensitive).
    public func first(_ name: String) -> HeaderField? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Every field named `name` (case-insensitive), in order.
    public func all(_ name: String) -> [HeaderField] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Most fields kept from one block; more are dropped.
    static let maximumFields = 1000
    /// Most bytes of one field kept; longer ones are cut.
    static let maximumFieldBytes = 256 * 1024

    /// Parses the header block at the start of `bytes`: returns it and where the body starts
    /// (after the empty line). A line that is neither a field nor a continuation also ends the
    /// block (it starts the body, as in Python's parser); a leading mbox `From ` line is skipped.
    static func parse(_ bytes: ArraySlice<UInt8>) -> (HeaderBlock, bodyStart: Int) {
        var fields: [HeaderField] = []
        var index = bytes.startIndex
        if bytes.starts(with: "From ".utf8) {
            index = bytes[index...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.endIndex
        }
        while index < bytes.endIndex {
            let lineEnd = bytes[index...].firstIndex(of: 0x0A) ?? bytes.endIndex
            var line = bytes[index..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            let next = min(lineEnd + 1, bytes.endIndex)
            if line.isEmpty { return (HeaderBlock(fields: fields), next) }
            if let first = line.first, first == 0x20 || first == 0x09 {
                // A continuation of the previous field (or stray white space before any field).
                if !fields.isEmpty, fields[fields.count - 1].raw.count + line.count < maximumFieldBytes {
                    fields[fields.count - 1].raw += [0x0D, 0x0A] + line
                }
                index = next
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) || isNameWithTrailingSpace(line[line.startIndex..<colon])
            else {
                return (HeaderBlock(fields: fields), index)
            }
            if fields.count < maximumFields {
                let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingWhiteSpace()
                var value = line[(colon + 1)...]
                while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
                fields.append(HeaderField(name: name, raw: Array(value.prefix(maximumFieldBytes))))
            }
            index = next
        }
        return (HeaderBlock(fields: fields), bytes.endIndex)
    }

    /// `Subject : x` (obsolete syntax, RFC 5322 §4.5): a name followed by white space.
    private static func isNameWithTrailingSpace(_ name: ArraySlice<UInt8>) -> Bool {
        let trimmed = name.reversed().drop { $0 == 0x20 || $0 == 0x09 }
        return !trimmed.isEmpty && trimmed.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
