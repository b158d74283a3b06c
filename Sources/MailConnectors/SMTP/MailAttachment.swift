/// A file attached to a ``MailMessage``: sent base64-encoded in its own MIME part, its file name
/// in Content-Type `name` and Content-Disposition `filename`, in RFC 2231 form when it is not
/// short plain ASCII.
public struct MailAttachment: Sendable, Equatable {
    /// The file name shown to the recipient (any Unicode; no path).
    public var fileName: String
    /// The media type, `type/subtype` (`application/pdf`).
    public var mimeType: String
    /// The file's bytes.
    public var data: [UInt8]
    /// Attachment (a file to save) or inline (shown within the message, an image the text
    /// refers to by ``contentID``).
    public var disposition: Attachment.Kind
    /// A Content-ID (without angle brackets) for inline parts, or nil.
    public var contentID: String?

    /// Creates an attachment, checking the name (no line breaks, not empty, at most 255 bytes),
    /// the media type and the content ID, so nothing can be injected into the header.
    public init(fileName: String, mimeType: String = "application/octet-stream", data: [UInt8],
                disposition: Attachment.Kind = .attachment, contentID: String? = nil) throws(ConnectorError) {
        guard !fileName.isEmpty, fileName.utf8.count <= 255,
              !fileName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidArgument("an attachment's file name must be 1 to 255 bytes without control characters")
        }
        let halves = mimeType.split(separator: "/", omittingEmptySubsequences: false)
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&-^_.+".unicodeScalars)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(token.contains) }) else {
            throw .invalidArgument("'\(ConnectorError.sanitize(mimeType))' is not a media type (type/subtype)")
        }
        if let contentID {
            guard !contentID.isEmpty, contentID.utf8.count <= 200,
                  contentID.unicodeScalars.allSatisfy({ (0x21..<0x7F).contains($0.value) && $0 != "<" && $0 != ">" }) else {
                throw .invalidArgument("a content ID must be printable ASCII without spaces or angle brackets")
            }
        }
        self.fileName = fileName
        self.mimeType = mimeType.lowercased()
        self.data = data
        self.disposition = disposition
        self.contentID = contentID
    }

    /// The part's header lines and base64 body, CRLF line endings.
    func mimePart() -> String {
        var lines = [
            "Content-Type: \(mimeType);" + Self.extendedParameter("name", fileName),
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: \(disposition.rawValue);" + Self.extendedParameter("filename", fileName),
        ]
        if let contentID { lines.append("Content-ID: <\(contentID)>") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + Self.base64Lines(data)
    }

    /// `data` in base64, 76 characters a line (RFC 2045 §6.8).
    static func base64Lines(_ data: [UInt8]) -> String {
        let encoded = Array(Base64.encode(data).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + encoded.count / 76 * 2 + 2)
        for start in stride(from: 0, to: encoded.count, by: 76) {
            out += encoded[start..<min(start + 76, encoded.count)]
            out += [0x0D, 0x0A]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ` name="value"` for plain short ASCII; otherwise RFC 2231 `name*0*=UTF-8''%XX...`
    /// continuations, each line under 78 characters.
    static func extendedParameter(_ name: String, _ value: String) -> String {
        if value.utf8.count <= 60, value.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) && $0 != "\"" && $0 != "\\" }) {
            return " \(name)=\"\(value)\""
        }
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        var pieces: [String] = []
        var current = ""
        for character in value {
            let encoded = character.utf8.map { safe.contains($0) ? String(UnicodeScalar($0)) : "%" + percentDigits($0) }.joined()
            if current.utf8.count + encoded.utf8.count > 50 {
                pieces.append(current)
                current = ""
            }
            current += encoded
        }
        pieces.append(current)
        if pieces.count == 1 { return "\r\n \(name)*=UTF-8''\(pieces[0])" }
        return pieces.enumerated().map { index, piece in
            "\r\n \(name)*\(index)*=" + (index == 0 ? "UTF-8''" : "") + piece + (index == pieces.count - 1 ? "" : ";")
        }.joined()
    }

    private static func percentDigits(_ byte: UInt8) -> String {
        String(decoding: [Hex.digits[Int(byte >> 4)], Hex.digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
