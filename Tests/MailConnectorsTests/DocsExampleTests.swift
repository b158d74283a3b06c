import AppVault
import Foundation
import MailConnectors
import TestSupport
import Testing
import VaultCrypto

// The example of docs/connectors.md, verbatim: it must compile, and the test below runs it.

/// Saves every unread statement from the bank as .eml, with its PDFs, into `folder`.
func saveStatements(vault: Vault, account: String, into folder: String,
                    options: ConnectionOptions = ConnectionOptions()) throws -> Int {
    let imap = try MailSession.imap(account: account, vault: vault, options: options)
    defer { try? imap.logout() }                            // LOGOUT, meter, end the lease
    try imap.examine("INBOX")                               // read-only: nothing gets marked read
    let uids = try imap.search(SearchCriteria(from: "statements@bank.example", unseen: true))
    let listing = try imap.fetchSummaries(uids: uids)       // envelope, flags, size, structure
    for problem in listing.problems { print("skipped:", problem) }   // one odd message, not all
    var taken = Set<String>()
    var saved = 0
    for message in listing.summaries {
        guard let uid = message.uid else { continue }
        // Streamed to a temporary file, fsynced, then linked into place; never overwrites.
        try imap.fetchMessage(uid: uid, toFile: "\(folder)/\(uid).eml", expectedSize: message.size)
        for attachment in message.attachments where attachment.mimeType == "application/pdf" {
            let name = SafeFileName.unique(SafeFileName.make(attachment.fileName ?? "statement.pdf"),
                                           in: folder, taken: &taken)
            try imap.fetchAttachment(attachment, uid: uid, toFile: "\(folder)/\(name)")  // base64 decoded
            saved += 1
        }
    }
    return saved
}

/// Sends a statement with its PDF.
func sendStatement(vault: Vault, account: String, from: String, to: String, pdf: [UInt8],
                   options: ConnectionOptions = ConnectionOptions()) throws {
    let smtp = try MailSession.smtp(account: account, vault: vault, options: options)
    defer { try? smtp.quit() }
    let message = try MailMessage(
        from: from, to: [to], subject: "Kontoauszug März", body: "Anbei der Auszug.\n",
        attachments: [try MailAttachment(fileName: "Kontoauszug März.pdf", mimeType: "application/pdf", data: pdf)])
    try smtp.send(message)
}

/// Waits for new mail through the agent's IMAP endpoint until `stop` is set (from a SIGINT
/// handler, say), with a client token: this process never sees the app password.
func watchInbox(socket: String, account: String, token: consuming SecureBytes, stop: CancellationFlag) throws -> Int {
    let imap = try MailSession.imap(local: .unixSocket(path: socket), account: account, credential: token)
    defer { try? imap.logout() }
    try imap.examine("INBOX")
    var wakeUps = 0
    while case .newMail = try imap.idle(timeout: .seconds(3600), shouldStop: { stop.isSet }) {
        wakeUps += 1
    }
    return wakeUps
}

@Suite("the example in docs/connectors.md")
struct DocsExampleTests {
    @Test("it saves a statement and its PDF that arrived over SMTP")
    func example() throws {
        let fixture = try SessionVault()
        defer { fixture.remove() }
        let options = try fixture.options()
        let folder = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Mail from the bank: an unread statement with a PDF, appended as the bank would send it.
        let bank = try MailMessage(from: "statements@bank.example", to: [MailFixtures.account.user], subject: "Statement",
                                   body: "attached", attachments: [try MailAttachment(fileName: "../statement.pdf",
                                                                                      mimeType: "application/pdf", data: statementPDF)])
        _ = try MailFixtures.append([try MailFixtures.file(bank.rfc5322())], to: "INBOX")
        #expect(try saveStatements(vault: fixture.vault, account: "mail", into: folder, options: options) >= 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.contains("statement.pdf"))
        #expect(files.contains { $0.hasSuffix(".eml") })
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/statement.pdf"))) == statementPDF)
        try sendStatement(vault: fixture.vault, account: "mail", from: MailFixtures.account.user,
                          to: MailFixtures.account.user, pdf: statementPDF, options: options)
    }
}
