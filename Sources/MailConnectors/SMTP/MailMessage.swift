public import Foundation
internal import VaultCrypto

/// A message to send: a text body and optional attachments. Without attachments it is a
/// single `text/plain` part; with them, `multipart/mixed` with the text first.
public struct MailMessage: Sendable, Equatable {
    /// The sender's address (also the SMTP envelope sender).
    public var from: String
    /// The recipients' addresses (also the SMTP envelope recipients).
    public var to: [String]
    /// The subject; non-ASCII text is RFC 2047-encoded.
    public var subject: String
    /// The body text (UTF-8; line endings are normalised to CRLF).
    public var body: String
    /// The Date header's time.
    public var date: Date
    /// The Message-ID header, with angle brackets.
    public var messageID: String
    /// Files sent with the text.
    public var attachments: [MailAttachment]

    /// Creates a message, checking the addresses (plain `local@domain`, ASCII) and the subject
    /// (no line breaks, so nothing can be injected into the header).
    public init(from: String, to: [String], subject: String, body: String, date: Date = Date(),
                messageID: String? = nil, attachments: [MailAttachment] = []) throws(ConnectorError) {
        try Self.check(address: from)
        guard !to.isEmpty else { throw .invalidArgument("a message needs at least one recipient") }
        for address in to { try Self.check(address: address) }
        guard !subject.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            throw .invalidArgument("the subject must be a single line")
        }
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.attachments = attachments
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        self.messageID = messageID ?? "<\(SecureRandom.bytes(16).map { String(format: "%02x", $0) }.joined())@\(domain)>"
    }

    /// The message in RFC 5322 form with CRLF line endings.
    public func rfc5322() -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(EncodedWords.encode(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        guard !attachments.isEmpty else {
            return Array((headers.joined(separator: "\r\n") + "\r\n" + textPart()).utf8)
        }
        // "=_" cannot occur in base64 or quoted-printable, so the boundary cannot occur in a part.
        let boundary = "=_appvault_" + SecureRandom.bytes(12).map { String(format: "%02x", $0) }.joined()
        headers.append("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
        var text = headers.joined(separator: "\r\n") + "\r\n\r\nThis is a MIME message with attachments.\r\n"
        for part in [textPart()] + attachments.map({ $0.mimePart() }) {
            text += "\r\n--\(boundary)\r\n" + part
        }
        text += "\r\n--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    /// The text body as a MIME part: its header lines, an empty line and the body.
    private func textPart() -> String {
        let plain = body.unicodeScalars.allSatisfy(\.isASCII)
            && body.replacingLineEndings().split(separator: "\n").allSatisfy { $0.utf8.count <= 998 }
        let text = plain ? body.replacingLineEndings().replacingOccurrences(of: "\n", with: "\r\n") : QuotedPrintable.encode(body)
        return "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: \(plain ? "7bit" : "quoted-printable")\r\n\r\n" + text
    }

    /// Accepts `local@domain` in printable ASCII without spaces, brackets or separators.
    static func check(address: String) throws(ConnectorError) {
        let forbidden = Set("<>()[],;:\\\" ".unicodeScalars)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254,
              address.unicodeScalars.allSatisfy({ (0x21..<0x7F).contains($0.value) && !forbidden.contains($0) })
        else { throw .invalidArgument("'\(ConnectorError.sanitize(address))' is not a plain mail address (local@domain)") }
    }
}
