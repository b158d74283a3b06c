import Foundation
import Glibc
import Testing
import TestSupport

/// `appvault fetch` (issue 10) with the vault unlocked in the process, against the real Dovecot
/// and SMTP servers of scripts/testservers. Mail gets into the mailboxes the way other clients
/// put it there: Python's imaplib (APPEND, DELETE, CREATE) and `appvault send` over SMTP. Each
/// test has a mailbox user of its own.
@Suite("appvault fetch: search, save, --new, --follow (real Dovecot)")
struct FetchCommandTests {
    /// The JSON array `fetch --json` printed.
    func listed(_ result: CLIRunner.Result) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    func subjects(_ result: CLIRunner.Result) -> [String] { listed(result).compactMap { $0["subject"] as? String } }

    @Test("--from, --subject, --since, --before, --unseen and --limit select exactly the matching messages")
    func searchFilters() throws {
        let scene = try FetchScene(user: "fiona-search")
        let me = scene.address
        try scene.append(TestMail.plain(from: "Bank <statements@bank.example>", to: me, subject: "Statement March"),
                         date: "01-Mar-2024 09:00:00 +0000", flags: ["\\Seen"])
        try scene.append(TestMail.plain(from: "Bank <statements@bank.example>", to: me, subject: "Statement June"),
                         date: "15-Jun-2024 09:00:00 +0000")
        try scene.append(TestMail.plain(from: "Shop <news@shop.example>", to: me, subject: "Summer sale"),
                         date: "20-Jun-2024 09:00:00 +0000", flags: ["\\Seen"])
        try scene.append(TestMail.plain(from: "Friend <pal@example.org>", to: me, subject: "Lunch?"),
                         date: "02-Jan-2025 12:00:00 +0000")

        let all = try scene.fetch(["--json"])
        #expect(all.status == 0, "\(all.all)")
        #expect(subjects(all) == ["Statement March", "Statement June", "Summer sale", "Lunch?"], "ascending by UID")
        #expect(try subjects(scene.fetch(["--from", "statements@bank.example", "--json"])) == ["Statement March", "Statement June"])
        #expect(try subjects(scene.fetch(["--subject", "statement", "--json"])) == ["Statement March", "Statement June"])
        #expect(try subjects(scene.fetch(["--since", "2024-06-01", "--before", "2024-07-01", "--json"])) == ["Statement June", "Summer sale"])
        #expect(try subjects(scene.fetch(["--since", "2024-06-16", "--json"])) == ["Summer sale", "Lunch?"])
        #expect(try subjects(scene.fetch(["--unseen", "--json"])) == ["Statement June", "Lunch?"])
        #expect(try subjects(scene.fetch(["--limit", "2", "--json"])) == ["Summer sale", "Lunch?"], "the newest two")
        #expect(try subjects(scene.fetch(["--from", "bank.example", "--unseen", "--json"])) == ["Statement June"], "criteria AND")
        #expect(try subjects(scene.fetch(["--from", "nobody@nowhere.example", "--json"])).isEmpty)

        // The JSON shape of docs/cli.md.
        let first = try #require(listed(all).first)
        #expect(first["uid"] as? Int == 1 && first["from"] as? [String] == ["Bank <statements@bank.example>"])
        #expect(first["to"] as? [String] == [me] && first["seen"] as? Bool == true && (first["size"] as? Int ?? 0) > 100)
        #expect(first["received_at"] as? String == "2024-03-01T09:00:00Z" && first["date"] as? String == "2026-11-27T10:00:00Z")
        #expect(first["attachments"] as? [Any] != nil && first["saved_as"] == nil)

        // The table, and nothing was marked read (EXAMINE, BODY.PEEK).
        let table = try scene.fetch([])
        #expect(table.stdout.hasPrefix("UID  DATE") && table.stdout.contains("Statement June") && table.stdout.contains("news@shop.example"))
        #expect(try subjects(scene.fetch(["--unseen", "--json"])) == ["Statement June", "Lunch?"])
        #expect(!(all.all + table.all).contains(scene.password))
    }

    @Test("--save writes each message and each attachment byte for byte: PDF, zip, inline image, forwarded message")
    func saveByteForByte() throws {
        let scene = try FetchScene(user: "fiona-save")
        let pdf = TestMail.pdf("statement 2026-11"), zip = TestMail.random(70_000), png = TestMail.random(5_000)
        let inner = TestMail.multipart(from: "bank@bank.example", to: "old@example.test", subject: "Original statement",
                                       parts: [TestMail.attachment(type: "application/pdf", disposition: "attachment; filename=\"inner.pdf\"",
                                                                   bytes: pdf)])
        let message = TestMail.multipart(from: "Bank <statements@bank.example>", to: scene.address, subject: "November", parts: [
            TestMail.attachment(type: "application/pdf; name=\"Kontoauszug März.pdf\"",
                                disposition: "attachment; filename*=UTF-8''Kontoauszug%20M%C3%A4rz.pdf", bytes: pdf),
            TestMail.attachment(type: "application/zip", disposition: "attachment; filename=\"records.zip\"", bytes: zip),
            TestMail.related(image: png, name: "logo.png", contentID: "logo@bank.example"),
            TestMail.forwarded(inner),
        ])
        let uid = try scene.append(message)
        let folder = scene.cli.folder + "/statements"
        let saved = try scene.fetch(["--save", folder, "--json"])
        #expect(saved.status == 0, "\(saved.all)")
        #expect(FetchScene.bytes("\(folder)/\(uid).eml") == message, "the .eml is what the server stores")
        #expect(FetchScene.bytes(folder + "/Kontoauszug März.pdf") == pdf, "RFC 2231 name decoded, base64 decoded")
        #expect(FetchScene.bytes(folder + "/records.zip") == zip)
        #expect(FetchScene.bytes(folder + "/logo.png") == png, "the inline image of multipart/related")
        let forward = FetchScene.files(in: folder).first { $0.hasSuffix("-part-5.eml") }
        #expect(forward.map { FetchScene.bytes(folder + "/" + $0) } == inner, "the forwarded message as it was")
        #expect(FetchScene.bytes(folder + "/inner.pdf") == pdf, "the attachment inside the forwarded message")
        var info = stat()
        #expect(lstat(folder, &info) == 0 && info.st_mode & 0o777 == 0o700, "DIR created 0700")
        #expect(lstat("\(folder)/\(uid).eml", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(!FetchScene.files(in: folder).contains { $0.hasPrefix(".") }, "no temporary file left")
        let entry = try #require(listed(saved).first)
        #expect(entry["saved_as"] as? String == "\(folder)/\(uid).eml")
        let attachments = entry["attachments"] as? [[String: Any]] ?? []
        #expect(attachments.compactMap { $0["name"] as? String }.contains("Kontoauszug März.pdf"))
        #expect(attachments.allSatisfy { $0["saved_as"] as? String != nil }, "\(attachments)")

        // --attachments-only into another folder: no .eml.
        let only = scene.cli.folder + "/pdfs"
        #expect(try scene.fetch(["--save", only, "--attachments-only"]).status == 0)
        #expect(!FetchScene.files(in: only).contains { $0.hasSuffix("\(uid).eml") } && FetchScene.bytes(only + "/records.zip") == zip)
    }

    @Test("send --attach and fetch --save round-trip a PDF and a zip byte for byte over SMTP and IMAP")
    func sendAttachRoundTrip() throws {
        let scene = try FetchScene(user: "fiona-send")
        let pdf = TestMail.pdf("sent"), zip = TestMail.random(40_000)
        let pdfPath = scene.cli.folder + "/Rechnung Nr. 7 – März.pdf", zipPath = scene.cli.folder + "/data.zip"
        _ = FileManager.default.createFile(atPath: pdfPath, contents: Data(pdf))
        _ = FileManager.default.createFile(atPath: zipPath, contents: Data(zip))
        let subject = "attachments \(UUID().uuidString.prefix(8))"
        let sent = try scene.cli.run(["send", scene.account, "--to", scene.address, "--subject", subject, "--attach", pdfPath,
                                      "--attach", zipPath], stdin: Data("Two files.\n".utf8))
        #expect(sent.status == 0 && sent.stdout.contains("with 2 attachments"), "\(sent.all)")
        var found: [[String: Any]] = []
        for _ in 0..<40 where found.isEmpty {
            found = listed(try scene.fetch(["--subject", subject, "--json"]))
            if found.isEmpty { usleep(250_000) }
        }
        let attachments = found.first?["attachments"] as? [[String: Any]] ?? []
        #expect(attachments.map { $0["mime_type"] as? String } == ["application/pdf", "application/zip"])
        let folder = scene.cli.folder + "/received"
        #expect(try scene.fetch(["--subject", subject, "--save", folder]).status == 0)
        #expect(FetchScene.bytes(folder + "/Rechnung Nr. 7 – März.pdf") == pdf, "non-ASCII name sent with RFC 2231 and back")
        #expect(FetchScene.bytes(folder + "/data.zip") == zip)

        let sessions = try scene.cli.run(["audit"]).stdout.components(separatedBy: "lease.grant").count
        let missing = try scene.cli.run(["send", scene.account, "--to", scene.address, "--attach", scene.cli.folder + "/nope.pdf"],
                                        stdin: Data("x".utf8))
        #expect(missing.status == 2 && missing.stderr.contains("nope.pdf"), "\(missing.all)")
        let folderAttached = try scene.cli.run(["send", scene.account, "--to", scene.address, "--attach", scene.cli.folder],
                                               stdin: Data("x".utf8))
        #expect(folderAttached.status == 2 && folderAttached.stderr.contains("not a regular file"), "\(folderAttached.all)")
        #expect(try scene.cli.run(["audit"]).stdout.components(separatedBy: "lease.grant").count == sessions,
                "no session was opened for the refused sends")
    }

    @Test("hostile attachment names never escape DIR, never overwrite a file, and are made safe")
    func hostileNames() throws {
        let scene = try FetchScene(user: "fiona-hostile")
        let root = scene.cli.folder + "/jail"
        let folder = root + "/inner/save"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keep = Array("precious".utf8)
        _ = FileManager.default.createFile(atPath: folder + "/statement.pdf", contents: Data(keep))
        let long = String(repeating: "A", count: 9_996) + ".pdf"
        let continued = stride(from: 0, to: long.count, by: 900).enumerated().map { index, start in
            "filename*\(index)=\"\(long.dropFirst(start).prefix(900))\""
        }.joined(separator: ";\r\n ")
        let names: [(String, [UInt8])] = [
            ("attachment; filename=\"../../escaped.txt\"", Array("dotdot".utf8)),
            ("attachment; filename=\"/etc/appvault-absolute.txt\"", Array("absolute".utf8)),
            ("attachment; filename*=UTF-8''nul%00byte.txt", Array("nul".utf8)),
            ("attachment; filename*=UTF-8''esc%1B%5B31mred%07.txt", Array("control".utf8)),
            ("attachment; " + continued, Array("long".utf8)),
            ("attachment; filename=\"CON\"", Array("reserved".utf8)),
            ("attachment; filename=\"nul.txt\"", Array("reserved2".utf8)),
            ("attachment; filename=\"statement.pdf\"", Array("first duplicate".utf8)),
            ("attachment; filename=\"statement.pdf\"", Array("second duplicate".utf8)),
            ("attachment; filename=\"..\"", Array("dots".utf8)),
            ("attachment; filename=\"C:\\\\Windows\\\\evil.exe\"", Array("windows".utf8)),
            ("attachment; filename*=UTF-8''gpj.%E2%80%AEexe", Array("rtl".utf8)),
        ]
        let message = TestMail.multipart(from: "x@evil.example", to: scene.address, subject: "hostile names",
                                         parts: names.map { TestMail.attachment(type: "application/octet-stream", disposition: $0.0, bytes: $0.1) })
        try scene.append(message)
        let before = FetchScene.files(in: root) + FetchScene.files(in: root + "/inner")
        let result = try scene.fetch(["--save", folder])
        #expect(result.status == 0, "\(result.all)")
        #expect(FetchScene.files(in: root) + FetchScene.files(in: root + "/inner") == before, "nothing written outside DIR")
        #expect(!FileManager.default.fileExists(atPath: "/etc/appvault-absolute.txt"))
        #expect(FetchScene.bytes(folder + "/statement.pdf") == keep, "an existing file is never overwritten")
        let saved = FetchScene.files(in: folder)
        #expect(saved.count == 1 + 1 + names.count, "every attachment saved under its own name: \(saved)")
        for name in saved {
            #expect(name.utf8.count <= 255 && !name.contains("/"))
            #expect(!name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x202A...0x202E).contains($0.value) }, "\(name)")
        }
        var contents = Set(saved.map { String(decoding: FetchScene.bytes(folder + "/" + $0), as: UTF8.self) })
        contents.remove("precious")
        #expect(names.allSatisfy { contents.contains(String(decoding: $0.1, as: UTF8.self)) }, "all twelve saved, none lost: \(saved)")
        #expect(saved.contains("escaped.txt") && saved.contains("appvault-absolute.txt") && saved.contains("evil.exe"))
        #expect(saved.contains("statement (2).pdf") && saved.contains("statement (3).pdf"))
        #expect(saved.contains("_CON") && saved.contains("_nul.txt"))
        #expect(saved.contains { $0.hasPrefix("AAAA") && $0.hasSuffix(".pdf") && $0.utf8.count == 255 })
    }

    @Test("--new fetches each message once across runs; a file that cannot be written is fetched again, never skipped")
    func newAcrossRuns() throws {
        let scene = try FetchScene(user: "fiona-new")
        let folder = scene.cli.folder + "/inbox"
        try scene.append(TestMail.plain(from: "bank@bank.example", to: scene.address, subject: "one"))
        try scene.append(TestMail.plain(from: "bank@bank.example", to: scene.address, subject: "two"))
        let first = try scene.fetch(["--new", "--save", folder, "--json"])
        #expect(first.status == 0 && subjects(first) == ["one", "two"], "\(first.all)")
        let second = try scene.fetch(["--new", "--save", folder, "--json"])
        #expect(second.status == 0 && subjects(second).isEmpty, "nothing new: \(second.all)")
        try scene.append(TestMail.plain(from: "shop@shop.example", to: scene.address, subject: "three"))
        try scene.append(TestMail.plain(from: "bank@bank.example", to: scene.address, subject: "four"))
        #expect(try subjects(scene.fetch(["--new", "--from", "bank@bank.example", "--save", folder, "--json"])) == ["four"])
        #expect(try subjects(scene.fetch(["--new", "--save", folder, "--json"])).isEmpty, "three is below what was fetched")
        #expect(FetchScene.files(in: folder) == ["1.eml", "2.eml", "4.eml"])
        #expect(try scene.cli.run(["audit"]).stdout.contains("fetch.state"), "the state is in the vault, audited")
        // Another mailbox has its own state.
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "archived"), to: "Archive")
        #expect(try subjects(scene.fetch(["--new", "--mailbox", "Archive", "--json"])) == ["archived"])
        #expect(try subjects(scene.fetch(["--new", "--mailbox", "Archive", "--json"])).isEmpty)

        // With a 4 MiB limit on file sizes (the vault stays under it), the 5 MB attachment cannot be
        // written: the run says so and exits 1, and its state stays below that message.
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "five"))
        try scene.append(TestMail.multipart(from: "a@b.example", to: scene.address, subject: "six big", parts: [
            TestMail.attachment(type: "application/pdf", disposition: "attachment; filename=\"big.pdf\"", bytes: TestMail.random(5_000_000)),
        ]))
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "seven"))
        let limited = try scene.run(withFileSizeLimitKiB: 4096, ["fetch", scene.account, "--new", "--save", folder])
        #expect(limited.status == 1 && limited.stderr.contains("UID 6"), "\(limited.all)")
        #expect(FetchScene.files(in: folder).contains("5.eml") && !FetchScene.files(in: folder).contains("6.eml"))
        let retried = try scene.fetch(["--new", "--save", folder, "--json"])
        #expect(retried.status == 0 && subjects(retried) == ["six big", "seven"], "six is fetched again: \(retried.all)")
        #expect(FetchScene.files(in: folder).contains("6.eml") && FileManager.default.fileExists(atPath: folder + "/big.pdf"))
    }

    @Test("SIGINT during a long --new --save ends after a batch: no temporary file, nothing skipped, nothing saved twice")
    func interruptedSave() throws {
        let scene = try FetchScene(user: "fiona-interrupt")
        let count = 650  // four batches of at most 200
        try scene.mailboxes.append(copies: count, of: TestMail.multipart(from: "a@b.example", to: scene.address, subject: "many", parts: [
            TestMail.attachment(type: "application/octet-stream", disposition: "attachment", bytes: TestMail.random(20_000)),
        ]))
        let folder = scene.cli.folder + "/many"
        let run = try RunningCommand(scene.cli, ["fetch", scene.account, "--new", "--save", folder, "--attachments-only"])
        #expect(run.waitFor { !FetchScene.files(in: folder).isEmpty }, "\(run.stderr)")
        let status = run.stop(SIGINT, within: 60)
        #expect(status == 1 && run.stderr.contains("interrupted after a batch"), "ends after its batch: \(status) \(run.stderr)")
        let first = FetchScene.files(in: folder)
        #expect(!first.contains { $0.hasPrefix(".") }, "no temporary file left")
        #expect(first.count % 200 == 0 && first.count < count, "whole batches: \(first.count)")
        let rest = try scene.fetch(["--new", "--save", folder, "--attachments-only"])
        #expect(rest.status == 0, "\(rest.all)")
        let saved = FetchScene.files(in: folder)
        #expect(saved.count == count, "every message once: \(saved.count)")
        #expect(Set(saved).count == count && saved.allSatisfy { $0.hasSuffix("-part-2") }, "\(saved.prefix(5))")
    }

    @Test("a UIDVALIDITY change is said on stderr and --new starts over from the mailbox's current messages")
    func uidValidityReset() throws {
        let scene = try FetchScene(user: "fiona-uidvalidity")
        let folder = scene.cli.folder + "/box"
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "before 1"), to: "Statements")
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "before 2"), to: "Statements")
        #expect(try subjects(scene.fetch(["--new", "--mailbox", "Statements", "--save", folder, "--json"])) == ["before 1", "before 2"])
        let validity = try scene.recreate("Statements")
        #expect(validity.old != validity.new, "Dovecot gave the mailbox a new UIDVALIDITY")
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "after 1"), to: "Statements")
        let after = try scene.fetch(["--new", "--mailbox", "Statements", "--save", folder, "--json"])
        #expect(after.status == 0 && subjects(after) == ["after 1"], "\(after.all)")
        #expect(after.stderr.contains("renumbered") && after.stderr.contains("UIDVALIDITY \(validity.old) -> \(validity.new)"), "\(after.stderr)")
        #expect(FetchScene.bytes(folder + "/1.eml") != FetchScene.bytes(folder + "/1 (2).eml"), "UID 1 again: a new name, nothing replaced")
        #expect(String(decoding: FetchScene.bytes(folder + "/1 (2).eml"), as: UTF8.self).contains("Subject: after 1"))
        #expect(try subjects(scene.fetch(["--new", "--mailbox", "Statements", "--json"])).isEmpty)
    }

    @Test("--follow saves a message that arrives during IDLE, and SIGINT ends IDLE and logs out cleanly (exit 0)")
    func followAndInterrupt() throws {
        let scene = try FetchScene(user: "fiona-follow")
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "already there"))
        let folder = scene.cli.folder + "/follow"
        let follower = try RunningCommand(scene.cli, ["fetch", scene.account, "--follow", "--save", folder, "--json"])
        #expect(follower.waitFor { follower.stdout.contains("already there") }, "the first pass lists what is there: \(follower.stderr)")
        usleep(500_000)
        let subject = "arrives mid-IDLE \(UUID().uuidString.prefix(8))"
        let sent = try scene.cli.run(["send", scene.account, "--to", scene.address, "--subject", subject], stdin: Data("hi\n".utf8))
        #expect(sent.status == 0, "\(sent.all)")
        #expect(follower.waitFor { follower.stdout.contains(subject) }, "fetched as it arrived: \(follower.stdout) \(follower.stderr)")
        #expect(FetchScene.files(in: folder) == ["1.eml", "2.eml"])
        let lines = follower.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil },
                "one JSON object per line: \(follower.stdout)")
        let ended = { (try? scene.dovecotLog())?.filter { $0.contains("imap(\(scene.address))") && $0.contains("Disconnected") } ?? [] }
        let before = ended().count
        #expect(follower.stop(SIGINT) == 0, "\(follower.stderr)")
        #expect(follower.stderr.isEmpty, "no error: \(follower.stderr)")
        #expect(follower.waitFor(5) { ended().count > before }, "Dovecot saw the session end")
        #expect(ended().last?.contains("Disconnected: Logged out") == true, "a LOGOUT, not a dropped connection: \(ended())")
        let audit = try scene.cli.run(["audit"]).stdout
        #expect(audit.contains("lease.revoke"), "the session's lease ended with the session")
    }

    @Test("--follow reconnects with back-off when the server drops the connection (doveadm kick), and goes on fetching")
    func followReconnects() throws {
        let scene = try FetchScene(user: "fiona-kick")
        let follower = try RunningCommand(scene.cli, ["fetch", scene.account, "--follow"])
        #expect(follower.waitFor { ((try? scene.dovecotLog()) ?? []).contains { $0.contains("Login: user=<\(scene.address)>") } },
                "logged in: \(follower.stderr)")
        usleep(1_000_000)
        #expect(try scene.kick(), "doveadm kick found the session")
        #expect(follower.waitFor { follower.stderr.contains("reconnecting in 1 s") }, "said on stderr: \(follower.stderr)")
        #expect(follower.waitFor { follower.stderr.contains("reconnected") }, "\(follower.stderr)")
        try scene.append(TestMail.plain(from: "a@b.example", to: scene.address, subject: "after the drop"))
        #expect(follower.waitFor { follower.stdout.contains("after the drop") }, "\(follower.stdout) \(follower.stderr)")
        #expect(follower.process.isRunning)
        #expect(follower.stop(SIGTERM) == 0, "SIGTERM ends it cleanly too: \(follower.stderr)")
    }

    @Test("terminal escapes in a subject, a sender's name or an attachment name never reach stdout raw")
    func terminalEscapes() throws {
        let scene = try FetchScene(user: "fiona-escapes")
        let message = TestMail.multipart(from: "=?utf-8?b?\(Data("Evil\u{1B}]0;pwned\u{07} Bank".utf8).base64EncodedString())?= <x@evil.example>",
                                         to: scene.address,
                                         subject: "=?utf-8?q?Statement_=1B[2J=1B[31mURGENT=E2=80=AE?=",
                                         parts: [TestMail.attachment(type: "application/pdf",
                                                                     disposition: "attachment; filename*=UTF-8''a%1B%5D0%3Bx%07.pdf",
                                                                     bytes: TestMail.pdf("x"))])
        try scene.append(message)
        let table = try scene.fetch([])
        #expect(table.status == 0)
        #expect(!table.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" }, "\(table.stdout)")
        #expect(table.stdout.contains("\\u{1b}[31mURGENT") && table.stdout.contains("Evil\\u{1b}]0;pwned"))
        let inbox = try scene.cli.run(["inbox", scene.account])
        #expect(inbox.status == 0 && !inbox.stdout.contains("\u{1B}") && inbox.stdout.contains("\\u{1b}[2J"), "\(inbox.stdout)")
        let json = try scene.fetch(["--json"])
        #expect(!json.stdout.contains("\u{1B}") && json.stdout.contains("\\u001b[31mURGENT"), "JSON is exact, and escaped by JSON")
    }

    @Test("a progress line (messages, bytes, rate) goes to stderr on a terminal, and nothing when stderr is piped")
    func progressOnlyOnATerminal() throws {
        let scene = try FetchScene(user: "fiona-progress")
        try scene.append(TestMail.multipart(from: "a@b.example", to: scene.address, subject: "with a file", parts: [
            TestMail.attachment(type: "application/pdf", disposition: "attachment; filename=\"s.pdf\"", bytes: TestMail.pdf("p")),
        ]))
        let piped = try scene.fetch(["--save", scene.cli.folder + "/piped"])
        #expect(piped.status == 0 && piped.stderr.isEmpty, "no progress when piped: \(piped.stderr)")
        // `script` runs the command on a pseudo-terminal and copies what it writes there.
        let command = "'\(CLIRunner.executable)' fetch \(scene.account) --save '\(scene.cli.folder)/terminal'"
        let onTerminal = try scene.cli.run(["-qec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(onTerminal.status == 0, "\(onTerminal.all)")
        #expect(onTerminal.stdout.contains("saving 1/1 messages") && onTerminal.stdout.contains("/s"), "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("\r\u{1B}[K"), "the line is redrawn in place and cleared")
    }

    @Test("check marks nothing when the server cannot be reached: not checked, exit 13")
    func checkUnreachable() throws {
        let scene = try FetchScene(user: "fiona-check")
        let closed = try CLIRunner.freePort()
        let added = try scene.cli.run(["add", "unreachable", "--provider", "custom", "--email", "nobody@example.test",
                                       "--imap", "127.0.0.1:\(closed):tls", "--smtp", "127.0.0.1:\(closed):tls"],
                                      stdin: Data("unreachable-password-1".utf8))
        #expect(added.status == 0, "\(added.all)")
        let check = try scene.cli.run(["check"])
        #expect(check.status == 13, "\(check.all)")
        #expect(check.stdout.contains("\(scene.account): OK") && check.stdout.contains("unreachable: not checked"), "\(check.stdout)")
        #expect(!(try scene.cli.run(["list", "--json"]).stdout.contains("\"dead\"")), "nothing marked dead")
    }

    @Test("bad input exits 2 before connecting, an unsafe --save folder exits 7, an unknown account 4")
    func badInput() throws {
        let scene = try FetchScene(user: "fiona-input")
        for (arguments, text) in [
            (["--since", "2026-02-30"], "not a day"), (["--since", "yesterday"], "YYYY-MM-DD"), (["--before", "2026-1-5"], "YYYY-MM-DD"),
            (["--since", "2026-05-02", "--before", "2026-05-01"], "later day"), (["--limit", "0"], "--limit"),
            (["--attachments-only"], "needs --save"), (["--subject", ""], "--subject"), (["--mailbox", "a\u{1B}b"], "--mailbox"),
            (["--from", String(repeating: "x", count: 1001)], "--from"),
        ] {
            let result = try scene.fetch(arguments)
            #expect(result.status == 2 && result.stderr.contains(text), "\(arguments): \(result.all)")
        }
        #expect(try scene.fetch(["--save", "/tmp"]).status == 7, "world-writable")
        let link = scene.cli.folder + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scene.cli.folder)
        let linked = try scene.fetch(["--save", link])
        #expect(linked.status == 7 && linked.stderr.contains("symbolic link"), "\(linked.all)")
        let open = scene.cli.folder + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
        chmod(open, 0o777)
        #expect(try scene.fetch(["--save", open]).status == 7)
        #expect(try scene.fetch(["--save", scene.cli.folder + "/passphrase"]).status == 2, "not a folder")
        #expect(try scene.cli.run(["fetch", "nobody"]).status == 4)
        let audit = try scene.cli.run(["audit"]).stdout
        #expect(!audit.contains("lease.grant"), "no session was opened for bad input: \(audit)")
    }
}
