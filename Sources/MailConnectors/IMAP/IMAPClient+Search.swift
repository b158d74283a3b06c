extension IMAPClient {
    /// The UIDs of the messages in the open mailbox that match `criteria`, ascending
    /// (`UID SEARCH`, RFC 9051 §6.4.4).
    public func search(_ criteria: SearchCriteria) throws -> [UInt32] {
        try ensureOpen()
        guard selected != nil else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        let (parts, nonASCII) = try criteria.commandParts(gmail: capabilities.contains("X-GM-EXT-1"))
        let charset = nonASCII && !utf8Enabled ? "CHARSET UTF-8 " : ""
        let (untagged, _) = try closingOnFatal { () throws(ConnectorError) in
            try run([.text("UID SEARCH " + charset)] + parts)
        }
        var uids: [UInt32] = []
        for response in untagged {
            switch response {
            case .data(nil, "SEARCH", let values):
                // `* SEARCH 2 84 882` (a trailing `(MODSEQ n)` is ignored)
                uids += values.compactMap { $0.number.flatMap { UInt32(exactly: $0) } }
            case .data(nil, "ESEARCH", let values):
                // `* ESEARCH (TAG "A5") UID ALL 1:3,7` (IMAP4rev2 servers answer this way)
                for (index, value) in values.enumerated() where value.text?.uppercased() == "ALL" && index + 1 < values.count {
                    uids += values[index + 1].text.flatMap { UIDSet.parse($0) } ?? []
                }
            default:
                break
            }
        }
        return Array(Set(uids)).sorted()
    }
}
