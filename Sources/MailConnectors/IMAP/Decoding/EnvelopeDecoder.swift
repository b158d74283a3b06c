/// Turns an IMAP `ENVELOPE` (RFC 9051 §7.5.2) into a ``MessageEnvelope``: ten fields, address
/// lists with any number of addresses and RFC 5322 groups, NIL anywhere.
enum EnvelopeDecoder {
    /// Decodes `(date subject from sender reply-to to cc bcc in-reply-to message-id)`.
    static func envelope(_ value: IMAPValue) throws(MessageDecodingError) -> MessageEnvelope {
        guard let fields = value.items, fields.count >= 10 else {
            throw MessageDecodingError("ENVELOPE is not a list of 10 fields")
        }
        let dateText = fields[0].text
        var groups: [String] = []
        let to = try addresses(fields[5], field: "To", groups: &groups)
        let cc = try addresses(fields[6], field: "Cc", groups: &groups)
        let bcc = try addresses(fields[7], field: "Bcc", groups: &groups)
        var ignored: [String] = []
        return MessageEnvelope(
            date: dateText.flatMap(MailDate.parse), dateText: dateText,
            subject: fields[1].text.map(EncodedWords.decode) ?? "",
            from: try addresses(fields[2], field: "From", groups: &ignored),
            sender: try addresses(fields[3], field: "Sender", groups: &ignored),
            replyTo: try addresses(fields[4], field: "Reply-To", groups: &ignored),
            to: to, cc: cc, bcc: bcc, groups: groups,
            inReplyTo: fields[8].text, messageID: fields[9].text)
    }

    /// `((name adl mailbox host) ...)` or NIL. `(NIL NIL "group" NIL)` starts a group and
    /// `(NIL NIL NIL NIL)` ends it (RFC 3501 §7.4.2); their names go to `groups`.
    static func addresses(_ value: IMAPValue, field: String, groups: inout [String]) throws(MessageDecodingError) -> [MailAddress] {
        if value == .nil { return [] }
        guard let entries = value.items else { throw MessageDecodingError("the \(field) addresses are not a list") }
        var result: [MailAddress] = []
        var group: String?
        for entry in entries {
            guard let parts = entry.items, parts.count == 4 else {
                throw MessageDecodingError("malformed address in the \(field) field of ENVELOPE")
            }
            switch (parts[2].bytes, parts[3].bytes) {
            case (let mailbox?, let host?):
                // Servers fill what the header lacked with sentinels (Dovecot: MISSING_MAILBOX,
                // MISSING_DOMAIN; UW-IMAP: .MISSING-HOST-NAME.); the address reports it missing.
                let local = mailboxSentinels.contains(text(mailbox)) ? "" : text(mailbox)
                let domain = hostSentinels.contains(text(host)) ? "" : text(host)
                let address = domain.isEmpty ? local : local + "@" + domain
                result.append(MailAddress(name: parts[0].text.map(EncodedWords.decode).flatMap { $0.isEmpty ? nil : $0 },
                                          address: address, group: group))
            case (let name?, nil):
                let decoded = EncodedWords.decode(text(name))
                group = decoded
                groups.append(decoded)
            case (nil, nil):
                group = nil
            case (nil, _?):
                throw MessageDecodingError("an address in the \(field) field of ENVELOPE has a host but no mailbox")
            }
        }
        return result
    }

    private static let mailboxSentinels: Set<String> = ["MISSING_MAILBOX"]
    private static let hostSentinels: Set<String> = ["MISSING_DOMAIN", ".MISSING-HOST-NAME."]

    /// Address bytes as text (UTF-8 for internationalised addresses).
    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
