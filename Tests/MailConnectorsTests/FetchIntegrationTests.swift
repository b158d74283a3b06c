import AppVault
import Foundation
import Synchronization
import TestSupport
import Testing
@testable import MailConnectors

/// A small but well-formed one-page PDF, as a bank statement would be.
let statementPDF: [UInt8] = {
    let objects = [
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n",
        "4 0 obj << /Length 44 >> stream\nBT /F1 12 Tf 72 770 Td (Statement) Tj ET\nendstream endobj\n",
    ]
    var text = "%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n"
    var offsets: [Int] = []
    for object in objects {
        offsets.append(text.utf8.count)
        text += object
    }
    let xref = text.utf8.count
    text += "xref\n0 5\n0000000000 65535 f \n" + offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
    text += "trailer << /Size 5 /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
    return Array(text.utf8)
}()

/// Sends `message` to the fixture account over SMTP (aiosmtpd delivers it to Dovecot).
func deliver(_ message: MailMessage, as account: TestAccount = MailFixtures.account) throws {
    try MailFixtures.usersReady.get()
    let lease = try TestServers.lease(.smtp, port: 10465, security: .tls, user: account.user)
    let smtp = try SMTPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: account.password),
                                      options: try TestServers.options(), logger: LogCapture().logger())
    try smtp.send(message)
    try smtp.quit()
}

/// Waits until a message whose subject contains `token` is in INBOX; returns its UID.
func waitForMessage(_ client: IMAPClient, subject token: String, mailbox: String = "INBOX") throws -> UInt32 {
    for _ in 0..<50 {
        try client.examine(mailbox)
        if let uid = try client.search(SearchCriteria(subject: token)).last { return uid }
        Thread.sleep(forTimeInterval: 0.1)
    }
    throw TestServers.Unavailable(description: "no message with \(token) arrived")
}

@Suite("fetching messages and attachments from Dovecot")
struct FetchIntegrationTests {
    @Test("a statement with a PDF, a zip and an inline image, sent over SMTP, lists its attachments and saves them byte for byte")
    func attachments() throws {
        let archive = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/usr/lib/python3.11/test/zipdir.zip")))
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RealWorldCorpus.python + "/python.png")))
        let token = "stmt" + UUID().uuidString.prefix(8).lowercased()
        let message = try MailMessage(
            from: MailFixtures.account.user, to: [MailFixtures.account.user], subject: "Kontoauszug März \(token)",
            body: "Ihr Kontoauszug liegt bei.\n", attachments: [
                try MailAttachment(fileName: "Kontoauszug 2026-03 – Girokonto.pdf", mimeType: "application/pdf", data: statementPDF),
                try MailAttachment(fileName: "Belege.zip", mimeType: "application/zip", data: archive),
                try MailAttachment(fileName: "logo.png", mimeType: "image/png", data: png, disposition: .inline, contentID: "logo"),
            ])
        try deliver(message)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        let uid = try waitForMessage(client, subject: token)
        let result = try client.fetchSummaries(uids: [uid])
        #expect(result.problems.isEmpty)
        let summary = try #require(result.summaries.first)
        #expect(summary.subject == "Kontoauszug März \(token)")
        #expect(summary.from == [MailAddress(name: nil, address: MailFixtures.account.user)])
        #expect(summary.size ?? 0 > statementPDF.count + archive.count)
        #expect(summary.internalDate != nil && summary.flags != nil)
        let attachments = summary.attachments
        #expect(attachments.map(\.fileName) == ["Kontoauszug 2026-03 – Girokonto.pdf", "Belege.zip", "logo.png"])
        #expect(attachments.map(\.mimeType) == ["application/pdf", "application/zip", "image/png"])
        #expect(attachments.map(\.kind) == [.attachment, .attachment, .inline])
        #expect(attachments.map(\.section) == ["2", "3", "4"])

        let folder = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var taken: Set<String> = []
        for (attachment, expected) in zip(attachments, [statementPDF, archive, png]) {
            let name = SafeFileName.unique(SafeFileName.make(attachment.fileName ?? ""), in: folder, taken: &taken)
            let count = try client.fetchAttachment(attachment, uid: uid, toFile: folder + "/" + name)
            #expect(count == expected.count)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))) == expected)
            #expect(abs(attachment.estimatedSize - expected.count) < expected.count / 20 + 100)
        }
        // The same, batched: every attachment of the message in one command, decoded.
        let batched = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: batched) }
        let (saved, trouble) = try client.saveAttachments(of: [summary], toFolder: batched) { _, attachment in
            SafeFileName.make(attachment.fileName ?? "")
        }
        #expect(trouble.isEmpty && saved.count == 3)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: batched + "/Belege.zip"))) == archive)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: batched + "/Kontoauszug 2026-03 – Girokonto.pdf"))) == statementPDF)
        // The whole message as .eml, and the text part decoded.
        let eml = try client.fetchMessage(uid: uid, toFile: folder + "/message.eml")
        #expect(eml == summary.size)
        var text: [UInt8] = []
        try client.fetchPart(uid: uid, section: "1", encoding: .quotedPrintable) { text += $0 }
        #expect(String(decoding: text, as: UTF8.self) == "Ihr Kontoauszug liegt bei.\r\n")
        // Examine (read-only) and BODY.PEEK: nothing was marked as read.
        #expect(try client.fetchSummaries(uids: [uid], items: .flags).summaries.first?.isSeen == false)
    }

    @Test("a forwarded message (message/rfc822) is an attachment with its own envelope and parts")
    func forward() throws {
        let inner = "From: Bank <noreply@bank.example>\r\nTo: me@example.test\r\nSubject: =?UTF-8?Q?Kontoauszug_M=C3=A4rz?=\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nsee pdf\r\n"
            + "--in\r\nContent-Type: application/pdf; name=s.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Data(statementPDF).base64EncodedString(options: .lineLength76Characters) + "\r\n--in--\r\n"
        let outer = "From: me@example.test\r\nTo: you@example.test\r\nSubject: Fwd: statement\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
            + "--out\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"statement.eml\"\r\n\r\n"
            + inner + "\r\n--out--\r\n"
        let mailbox = MailFixtures.uniqueMailbox("forward")
        let uid = try #require(try MailFixtures.append([try MailFixtures.file(Array(outer.utf8))], to: mailbox).first)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        try client.examine(mailbox)
        let summary = try #require(try client.fetchSummaries(uids: [uid]).summaries.first)
        let attachments = summary.attachments
        #expect(attachments.map(\.section) == ["2", "2.2"])
        #expect(attachments[0].isForwardedMessage && attachments[0].fileName == "statement.eml")
        #expect(attachments[0].forwardedEnvelope?.subject == "Kontoauszug März")
        #expect(attachments[1].insideMessage == "2" && attachments[1].fileName == "s.pdf")
        var pdf: [UInt8] = []
        try client.fetchAttachment(attachments[1], uid: uid) { pdf += $0 }
        #expect(pdf == statementPDF)
        var forwarded: [UInt8] = []
        try client.fetchAttachment(attachments[0], uid: uid) { forwarded += $0 }
        #expect(MIMEEntity.parse(forwarded).subject == "Kontoauszug März")
    }

    @Test("hostile attachment names are decoded as sent and made safe to save, never escaping the folder")
    func hostileNames() throws {
        let names = ["../../x", "/etc/passwd", "a\u{1}b\u{7F}.pdf", String(repeating: "n", count: 10_000) + ".pdf",
                     "CON", "..", "twice.pdf", "twice.pdf", "evil\u{202E}fdp.exe"]
        var parts = ""
        for (index, name) in names.enumerated() {
            let encoded = MailAttachment.extendedParameter("filename", name)
            parts += "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\(encoded)\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + Data("file \(index)".utf8).base64EncodedString() + "\r\n"
        }
        let eml = "From: x@example.test\r\nSubject: hostile names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + parts + "--b--\r\n"
        let mailbox = MailFixtures.uniqueMailbox("hostile")
        let uid = try #require(try MailFixtures.append([try MailFixtures.file(Array(eml.utf8))], to: mailbox).first)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        try client.examine(mailbox)
        let attachments = try #require(try client.fetchSummaries(uids: [uid]).summaries.first).attachments
        // Dovecot cuts very long parameter values (about 1,000 bytes); the rest arrives as sent.
        #expect(attachments.enumerated().allSatisfy { index, attachment in
            index == 3 ? names[3].hasPrefix(attachment.fileName ?? "-") : attachment.fileName == names[index]
        })
        let folder = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var taken: Set<String> = []
        for attachment in attachments {
            let name = SafeFileName.unique(SafeFileName.make(attachment.fileName ?? ""), in: folder, taken: &taken)
            try client.fetchAttachment(attachment, uid: uid, toFile: folder + "/" + name)
        }
        let saved = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(saved.count == names.count)
        #expect(saved.allSatisfy { !$0.contains("/") && $0 != "." && $0 != ".." && $0.utf8.count <= 255 })
        #expect(saved.allSatisfy { $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && $0 != "\u{202E}" } })
        #expect(Set(saved).isSuperset(of: ["x", "passwd", "ab.pdf", "_CON", "attachment", "twice.pdf", "twice (2).pdf", "evilfdp.exe"]))
        #expect(!FileManager.default.fileExists(atPath: folder + "/../x"))
    }

    @Test("search by since, before, from, to, subject (non-ASCII too), unseen and larger")
    func search() throws {
        let token = "srch" + UUID().uuidString.prefix(8).lowercased()
        let mailbox = MailFixtures.uniqueMailbox("search")
        let messages = [
            "From: Bank <bank@example.test>\r\nTo: a@example.test\r\nSubject: Überweisung \(token)\r\n\r\nsmall\r\n",
            "From: shop@example.test\r\nTo: b@example.test\r\nSubject: Receipt \(token)\r\n\r\n" + String(repeating: "x", count: 20_000) + "\r\n",
        ]
        let uids = try MailFixtures.append(try messages.map { try MailFixtures.file(Array($0.utf8)) }, to: mailbox)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        try client.select(mailbox)
        let day: TimeInterval = 86_400
        #expect(try client.search(SearchCriteria(subject: token)) == uids)
        #expect(try client.search(SearchCriteria(subject: "Überweisung")) == [uids[0]])
        #expect(try client.search(SearchCriteria(from: "bank@example.test")) == [uids[0]])
        #expect(try client.search(SearchCriteria(to: "b@example.test")) == [uids[1]])
        #expect(try client.search(SearchCriteria(larger: 10_000)) == [uids[1]])
        #expect(try client.search(SearchCriteria(since: Date().addingTimeInterval(-day))) == uids)
        #expect(try client.search(SearchCriteria(before: Date().addingTimeInterval(-day))) == [])
        #expect(try client.search(SearchCriteria(unseen: true)) == uids)
        #expect(try client.search(SearchCriteria(subject: token, uids: [uids[1]])) == [uids[1]])
        #expect(throws: ConnectorError.unsupported("X-GM-RAW (Gmail search; the server does not offer X-GM-EXT-1)")) {
            try client.search(SearchCriteria(gmailRaw: "has:attachment"))
        }
        #expect(throws: ConnectorError.self) { try client.search(SearchCriteria(subject: "")) }
    }

    @Test("many messages are saved as .eml files in batched commands, each whole or not at all")
    func saveMany() throws {
        let mailbox = MailFixtures.uniqueMailbox("save")
        let bodies = (0..<12).map { index in
            "From: bank@example.test\r\nSubject: statement \(index)\r\n\r\n" + String(repeating: "line \(index)\r\n", count: index * 5_000 + 1)
        }
        let uids = try MailFixtures.append(try bodies.map { try MailFixtures.file(Array($0.utf8)) }, to: mailbox)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        try client.examine(mailbox)
        var summaries = try client.fetchSummaries(uids: uids, items: .size).summaries
        summaries.append(MessageSummary(sequenceNumber: 99, uid: uids.last! + 50, size: 10))  // not in the mailbox
        let folder = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/\(uids[3]).eml", contents: Data("mine".utf8))  // must survive
        let logs = LogCapture()
        let counting = try MailFixtures.session(logs: logs)
        defer { try? counting.logout() }
        try counting.examine(mailbox)
        var reported = 0
        let (files, problems) = try counting.saveMessages(summaries, toFolder: folder, batchBytes: 1_000_000,
                                                          progress: { reported += $0 }) { "\($0.uid!).eml" }
        #expect(reported == bodies.enumerated().filter { $0.offset != 3 }.reduce(0) { $0 + $1.element.utf8.count })
        #expect(files.count == 11)
        #expect(problems.map(\.uid) == [uids[3], uids.last! + 50])
        #expect(FileManager.default.contents(atPath: folder + "/\(uids[3]).eml") == Data("mine".utf8))
        for (index, uid) in uids.enumerated() where index != 3 {
            let saved = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/\(uid).eml")))
            #expect(saved == Array(bodies[index].utf8), "message \(index)")
        }
        let commands = logs.text.split(separator: "\n").filter { $0.contains("BODY.PEEK[])") }.count
        #expect(commands == 3, "\(commands) FETCH commands for 13 messages in batches of 1 MB")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("the traffic budget is asked for a message's size before its body is requested")
    func budget() throws {
        let mailbox = MailFixtures.uniqueMailbox("budget")
        let big = "Subject: big\r\n\r\n" + String(repeating: "0123456789", count: 50_000) + "\r\n"
        let uid = try #require(try MailFixtures.append([try MailFixtures.file(Array(big.utf8))], to: mailbox).first)
        let budget = LimitedBudget(limit: 100_000)
        let client = try MailFixtures.session(budget: budget)
        defer { try? client.logout() }
        try client.examine(mailbox)
        let before = client.bytesRead
        #expect(throws: VaultError.self) { try client.fetchMessage(uid: uid) { _ in } }
        #expect(client.bytesRead - before < 10_000, "the body was downloaded anyway")
        #expect(budget.asked.contains { $0 >= 500_000 })
    }

    @Test("a handler that fails stops nothing but itself: the session goes on")
    func failingHandler() throws {
        let mailbox = MailFixtures.uniqueMailbox("handler")
        let body = "Subject: h\r\n\r\n" + String(repeating: "abcdefgh\r\n", count: 30_000)
        let uid = try #require(try MailFixtures.append([try MailFixtures.file(Array(body.utf8))], to: mailbox).first)
        let client = try MailFixtures.session()
        defer { try? client.logout() }
        try client.examine(mailbox)
        struct Full: Error {}
        var calls = 0
        #expect(throws: Full.self) {
            try client.fetchMessage(uid: uid) { _ in
                calls += 1
                throw Full()
            }
        }
        #expect(calls == 1)
        #expect(try client.search(SearchCriteria()) == [uid])
        #expect(throws: ConnectorError.messageNotFound(uid: uid + 100)) { try client.fetchMessage(uid: uid + 100) { _ in } }
    }
}

/// A budget that refuses anything that would pass `limit` bytes, and remembers what it was asked.
final class LimitedBudget: TrafficBudget {
    let limit: Int64
    private let state = Mutex<(used: Int64, asked: [Int64])>((0, []))

    init(limit: Int64) { self.limit = limit }

    var asked: [Int64] { state.withLock { $0.asked } }

    func ensureAllowance(account: String, direction: TrafficDirection, bytes: Int64) throws {
        let used = state.withLock { state -> Int64 in
            state.asked.append(bytes)
            return state.used
        }
        if direction == .download, used + bytes > limit {
            throw VaultError.trafficLimit(account: account, direction: direction.rawValue, usedBytes: used, limitBytes: limit)
        }
    }

    func record(account: String, direction: TrafficDirection, bytes: Int64) throws {
        state.withLock { if direction == .download { $0.used += bytes } }
    }
}
