internal import Foundation

/// Quoted-printable body encoding (RFC 2045 §6.7) for message bodies that are not plain ASCII
/// or have lines too long for SMTP.
enum QuotedPrintable {
    /// Encodes UTF-8 text; line breaks in `text` become CRLF, other lines are soft-wrapped at 76.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        let lines = text.replacingLineEndings().split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            if number > 0 { output += [0x0D, 0x0A] }
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let piece: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                if width + piece.count > 75 {
                    output += [UInt8(ascii: "="), 0x0D, 0x0A]
                    width = 0
                }
                output += piece
                width += piece.count
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension String {
    /// The text with CRLF and lone CR turned into LF.
    func replacingLineEndings() -> String {
        replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
