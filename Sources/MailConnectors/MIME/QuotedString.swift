/// RFC 5322 quoted strings inside header fields (`"Bank, Inc."`, `filename="a \"b\".pdf"`).
enum QuotedString {
    /// Reads the quoted string whose opening `"` is at `index`: returns its content with
    /// backslash escapes undone and line breaks (folding) removed, and leaves `index` after the
    /// closing quote (or at the end, when it is missing).
    static func read(_ bytes: [UInt8], at index: inout Int) -> [UInt8] {
        var content: [UInt8] = []
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
            if bytes[index] != 0x0D && bytes[index] != 0x0A { content.append(bytes[index]) }
            index += 1
        }
        index += 1
        return content
    }
}
