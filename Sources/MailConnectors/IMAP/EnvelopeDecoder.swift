internal import Foundation

/// Turns `FETCH (UID n ENVELOPE (...))` data into a ``MessageSummary`` (RFC 9051 §7.5.2).
enum EnvelopeDecoder {
    /// The summary in an untagged FETCH response, or a protocol violation if its shape is wrong.
    static func summary(sequenceNumber: UInt64, attributes: [IMAPValue]) throws(ConnectorError) -> MessageSummary {
        guard case .list(let items) = attributes.first, attributes.count == 1, items.count % 2 == 0 else {
            throw .protocolViolation("FETCH data is not a list of name/value pairs")
        }
        var uid: UInt32?
        var envelope: [IMAPValue]?
        for pair in stride(from: 0, to: items.count, by: 2) {
            switch (items[pair].text?.uppercased(), items[pair + 1]) {
            case ("UID", .number(let value)): uid = UInt32(exactly: value)
            case ("ENVELOPE", .list(let fields)): envelope = fields
            default: break
            }
        }
        guard let envelope, envelope.count >= 10 else { throw .protocolViolation("FETCH without a complete ENVELOPE") }
        let dateText = envelope[0].text
        return MessageSummary(
            sequenceNumber: Int(clamping: sequenceNumber), uid: uid,
            date: dateText.flatMap(parseDate), dateText: dateText,
            from: try addresses(envelope[2]),
            subject: envelope[1].text.map(EncodedWords.decode) ?? "",
            messageID: envelope[9].text)
    }

    /// `((name adl mailbox host) ...)` or NIL.
    private static func addresses(_ value: IMAPValue) throws(ConnectorError) -> [MailAddress] {
        guard case .list(let entries) = value else { return [] }
        var result: [MailAddress] = []
        for entry in entries {
            guard case .list(let parts) = entry, parts.count == 4 else {
                throw .protocolViolation("malformed address in ENVELOPE")
            }
            // A group start/end (RFC 9051 §7.5.2) has a NIL host; it is not an address.
            guard let host = parts[3].text, let mailbox = parts[2].text else { continue }
            result.append(MailAddress(name: parts[0].text.map(EncodedWords.decode), address: "\(mailbox)@\(host)"))
        }
        return result
    }

    /// Parses an RFC 5322 date ("Thu, 26 Nov 2026 15:17:22 +0000", weekday and seconds optional).
    static func parseDate(_ text: String) -> Date? {
        // Drop a trailing comment such as "(UTC)" and collapse white space.
        let cleaned = text.split(separator: "(").first.map(String.init) ?? text
        let words = cleaned.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm Z"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: words) { return date }
        }
        return nil
    }
}
