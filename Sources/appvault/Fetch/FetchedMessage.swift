import Foundation
import MailConnectors

/// One message as `fetch` lists it: the `--json` shape (docs/cli.md) and a row of the table.
struct FetchedMessage: Encodable {
    /// One attachment of the message.
    struct FetchedAttachment: Encodable {
        let name: String?
        let mimeType: String
        /// The size after decoding (estimated from the encoded size).
        let size: Int
        /// The IMAP part number.
        let section: String
        /// Where `--save` wrote it.
        var savedAs: String?
    }

    let uid: UInt32
    let date: Date?
    let receivedAt: Date?
    let from: [String]
    let to: [String]
    let cc: [String]
    let subject: String
    let messageID: String?
    let size: Int?
    let seen: Bool
    var attachments: [FetchedAttachment]
    /// Where `--save` wrote the whole message (`.eml`).
    var savedAs: String?

    init(_ summary: MessageSummary) {
        uid = summary.uid ?? 0
        date = summary.date
        receivedAt = summary.internalDate
        from = summary.from.map(\.description)
        to = summary.envelope?.to.map(\.description) ?? []
        cc = summary.envelope?.cc.map(\.description) ?? []
        subject = summary.subject
        messageID = summary.messageID
        size = summary.size
        seen = summary.isSeen
        attachments = summary.attachments.map {
            FetchedAttachment(name: $0.fileName, mimeType: $0.mimeType, size: $0.estimatedSize, section: $0.section)
        }
    }

    /// The table's columns.
    static let header = ["UID", "DATE", "FROM", "TO", "SUBJECT", "SIZE", "ATTACHMENTS"]

    /// This message's row (the table escapes what a terminal would act on).
    var row: [String] {
        [String(uid), Output.date(date ?? receivedAt), from.joined(separator: ", "), to.joined(separator: ", "), subject,
         size.map(Output.bytes) ?? "-", attachments.map { $0.name ?? $0.mimeType }.joined(separator: ", ")]
    }
}
