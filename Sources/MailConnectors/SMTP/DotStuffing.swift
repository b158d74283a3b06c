/// The DATA transparency procedure (RFC 5321 §4.5.2) and line ending normalisation.
enum DotStuffing {
    /// `message` with every line ending as CRLF (bare CR and LF converted), every line that
    /// starts with "." given another ".", a final CRLF if missing, and the ending `.` CRLF.
    static func encode(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if byte == 0x0D || byte == 0x0A {
                out += [0x0D, 0x0A]
                if byte == 0x0D, index + 1 < message.count, message[index + 1] == 0x0A { index += 1 }
                atLineStart = true
            } else {
                if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart || out.isEmpty { out += [0x0D, 0x0A] }
        out += [UInt8(ascii: "."), 0x0D, 0x0A]
        return out
    }
}
