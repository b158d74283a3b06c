/// How strings are written in IMAP commands: quoted when RFC 3501's `quoted` allows it,
/// otherwise as a synchronizing literal `{n}` CRLF bytes.
enum IMAPString {
    /// Whether `bytes` fit a quoted string: 7-bit, no NUL, CR or LF.
    static func isQuotable(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { $0 >= 0x01 && $0 <= 0x7F && $0 != 0x0D && $0 != 0x0A }
    }

    /// The quoted form of quotable `bytes`, with `"` and `\` escaped.
    static func quoted(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(bytes.count * 2 + 2)
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// The length of ``quoted(_:)``'s output, computed without building it.
    static func quotedCount(_ bytes: some Collection<UInt8>) -> Int {
        bytes.reduce(2) { $0 + ($1 == UInt8(ascii: "\"") || $1 == UInt8(ascii: "\\") ? 2 : 1) }
    }

    /// The literal header for `count` bytes: `{count}` CRLF.
    static func literalHeader(_ count: Int) -> [UInt8] { Array("{\(count)}\r\n".utf8) }
}
