import Foundation

/// Raw RFC 5322 messages for the fetch tests, CRLF line ends, built byte by byte so the tests
/// know exactly what the server stores and what a saved file must contain.
enum TestMail {
    /// A plain text message.
    static func plain(from: String, to: String, subject: String, date: String = "Fri, 27 Nov 2026 10:00:00 +0000",
                      body: String = "Hello.") -> [UInt8] {
        Array(("From: \(from)\r\nTo: \(to)\r\nSubject: \(subject)\r\nDate: \(date)\r\n"
               + "Message-ID: <\(UUID().uuidString)@example.test>\r\nMIME-Version: 1.0\r\n"
               + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n").utf8)
    }

    /// A `multipart/mixed` message: a text part, then `parts` (each its own header lines and body).
    static func multipart(from: String, to: String, subject: String, parts: [[UInt8]]) -> [UInt8] {
        let boundary = "b-\(UUID().uuidString)"
        var out = Array(("From: \(from)\r\nTo: \(to)\r\nSubject: \(subject)\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
                         + "Message-ID: <\(UUID().uuidString)@example.test>\r\nMIME-Version: 1.0\r\n"
                         + "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
                         + "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachments.\r\n").utf8)
        for part in parts {
            out += Array("--\(boundary)\r\n".utf8) + part + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    /// A base64 part; `disposition` is the whole Content-Disposition value (file name included),
    /// so tests can write hostile or RFC 2231 forms.
    static func attachment(type: String, disposition: String, bytes: [UInt8], extraHeaders: [String] = []) -> [UInt8] {
        let encoded = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = ["Content-Type: \(type)", "Content-Transfer-Encoding: base64", "Content-Disposition: \(disposition)"] + extraHeaders
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + encoded).utf8)
    }

    /// A `multipart/related` part: an HTML text that shows an inline image by its Content-ID.
    static func related(image: [UInt8], name: String, contentID: String) -> [UInt8] {
        let boundary = "r-\(UUID().uuidString)"
        var out = Array(("Content-Type: multipart/related; boundary=\"\(boundary)\"\r\n\r\n"
                         + "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                         + "<p><img src=\"cid:\(contentID)\"></p>\r\n--\(boundary)\r\n").utf8)
        out += attachment(type: "image/png", disposition: "inline; filename=\"\(name)\"", bytes: image,
                          extraHeaders: ["Content-ID: <\(contentID)>"])
        out += Array("\r\n--\(boundary)--".utf8)
        return out
    }

    /// A forwarded message part (`message/rfc822`, the message as it is).
    static func forwarded(_ message: [UInt8]) -> [UInt8] {
        Array("Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n".utf8) + message
    }

    /// `count` random bytes.
    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A small file that looks like a PDF statement.
    static func pdf(_ text: String) -> [UInt8] {
        Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% \(text)\n".utf8) + random(2000) + Array("\n%%EOF\n".utf8)
    }
}
