import AppVault
import Foundation
import Logging
import MailConnectors

/// Section 8: fetching a mailbox of statements from the local Dovecot and saving each message
/// as `.eml` (and each attachment decoded): `appvault fetch NAME --save DIR` as a user runs it
/// (the vault unlocked in the process, and through a running agent), MailConnectors' public API
/// on its own, `curl` and Python's `imaplib` doing the same.
///
/// Every path runs in a process of its own, so its peak RSS (VmHWM, or GNU time's maximum
/// resident size) is its own: `appvault-bench probe-fetch` for the library rows.
enum Fetch {
    /// Messages and total size of the mailbox (scaled down with `--quick`).
    static func shape(_ settings: BenchSettings) -> (messages: Int, bytes: Int) {
        settings.scale < 1 ? (100, 20 << 20) : (1_000, 200 << 20)
    }

    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Fetch: save a mailbox as .eml files (and attachments)",
            baseline: "`curl imaps://` fetching every message to a file, one process, one connection",
            columns: ["path", "messages", "data", "time", "throughput", "time / baseline", "peak RSS"])
        guard let servers = settings.testServers else {
            table.notes = ["Skipped: run through `make bench`, which starts scripts/testservers."]
            return table
        }
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }
        _ = try servers.vaultWithAccount(in: folder)  // the commands below open the file themselves
        let credentials = folder + "/credentials"
        try "\(servers.user)\n\(servers.password)\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        let (count, total) = shape(settings)
        let mailbox = "fetchbench-\(count)-\(total >> 20)"
        try populate(mailbox: mailbox, messages: count, bytes: total, servers: servers, credentials: credentials, folder: folder)

        var results: [(String, Run)] = []
        results.append(("curl imaps:// (baseline), .eml only", try curl(mailbox: mailbox, count: count, servers: servers, folder: folder)))
        var agentPeak: Int?
        if let appvault = appvaultBinary(settings) {
            let environment = ["APPVAULT_VAULT": BenchVault.vaultPath(folder), "APPVAULT_CA_FILE": servers.caFile,
                               "APPVAULT_AGENT_SOCK": folder + "/no-agent.sock"]
            results.append(("`appvault fetch bob --save DIR`, vault unlocked in the process",
                            try cli(appvault, mailbox: mailbox, folder: folder, output: "cli-local",
                                    environment: environment.merging(["APPVAULT_KEY_FILE": BenchVault.keyPath(folder)]) { $1 })))
            let agent = try AgentProcess(appvault: appvault, folder: folder, environment: ["APPVAULT_CA_FILE": servers.caFile])
            results.append(("`appvault fetch bob --save DIR` through `appvault agent` (no key in the CLI)",
                            try cli(appvault, mailbox: mailbox, folder: folder, output: "cli-agent",
                                    environment: environment.merging(["APPVAULT_AGENT_SOCK": agent.socket]) { $1 })))
            agentPeak = agent.peakKiB
            agent.stop()
        }
        results.append(("appvault `IMAPClient`, .eml only, no fsync (as curl)",
                         try probe(folder: folder, mailbox: mailbox, attachments: false, durable: false)))
        results.append(("appvault `IMAPClient`, .eml only, each file fsynced",
                         try probe(folder: folder, mailbox: mailbox, attachments: false, durable: true)))
        results.append(("appvault `IMAPClient`, .eml + attachments decoded, fsynced",
                         try probe(folder: folder, mailbox: mailbox, attachments: true, durable: true)))
        results.append(("Python imaplib, .eml only", try python(mailbox: mailbox, attachments: false, servers: servers,
                                                                credentials: credentials, folder: folder)))
        results.append(("Python imaplib + email, .eml + attachments decoded",
                         try python(mailbox: mailbox, attachments: true, servers: servers, credentials: credentials, folder: folder)))
        let baseline = results[0].1.seconds
        for (label, run) in results {
            table.add([label, Format.count(run.messages), Format.bytes(run.bytes), String(format: "%.2f s", run.seconds),
                       String(format: "%.0f MiB/s", Double(run.bytes) / 1_048_576 / run.seconds),
                       Format.ratio(run.seconds / baseline), Format.bytes(run.peakKiB * 1024)])
        }
        table.notes = [
            "Targets: appvault no slower than curl (ratio <= 1.00); peak RSS under 64 MiB whatever the attachment sizes.",
            "`appvault fetch --save` rows: the release binary as a user runs it (its table of 1,000 rows to /dev/null): "
                + "examine, search, summaries, then per chunk of 16 MiB or 200 messages one batched UID FETCH of the "
                + "messages and one of the attachments, every file flushed (fsync of the file and, once per batch, its "
                + "folder): it does what the last library row does, and writes the .eml files and the decoded "
                + "attachments (about twice curl's bytes). Through the agent the CLI holds no key: it takes a login "
                + "lease, logs in to the agent's imap.sock, and the agent relays to Dovecot over TLS and meters"
                + (agentPeak.map { "; the agent's own peak RSS was \(Format.bytes($0 * 1024))." } ?? "."),
            "Mailbox: \(count) messages, \(total >> 20) MiB in all (statements with a PDF-like attachment of incompressible bytes, "
                + "every 100th with a 5 MiB one), appended once with imaplib and kept between runs. Dovecot "
                + "on \(servers.imap), implicit TLS; files written to \(settings.diskRoot).",
            "appvault: `examine`, `search`, `fetchSummaries` (size and body structure), then `saveMessages` (batched: one "
                + "UID FETCH per 16 MiB, each message streamed to its own atomic file: temporary file, link; with fsync of "
                + "the file and its folder unless `durable: false`, about 1 ms a file here) and, in the last row, "
                + "`saveAttachments` (batched the same way), each attachment decoded while streaming.",
            "curl: one process, `--config` with one URL and `-o` per message (`imaps://host/box;UID=n`), connection reused; "
                + "it neither fsyncs nor decodes. Python: `imaplib` UID FETCH BODY.PEEK[] per message, and in its second row "
                + "`email` (policy=default) decoding each attachment. Peak RSS of curl and Python from GNU time.",
        ]
        return table
    }

    /// One timed fetch of the whole mailbox.
    struct Run: Codable {
        var messages: Int
        var bytes: Int
        var seconds: Double
        var peakKiB: Int
    }

    /// Appends the bench mailbox with imaplib unless a previous run left it complete.
    private static func populate(mailbox: String, messages: Int, bytes: Int, servers: TestServers, credentials: String,
                                 folder: String) throws {
        let script = folder + "/populate.py"
        try """
            import imaplib, os, ssl, sys, base64
            ca, port, creds, box, count, total = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
            user, password = open(creds).read().split("\\n")[:2]
            imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
            imap.login(user, password)
            imap.create(box)
            status, data = imap.select(box)
            if int(data[0]) == count:
                sys.exit(0)
            imap.close(); imap.delete(box); imap.create(box)
            big = 5 << 20
            small = max(1024, (total - (count // 100) * big) // count * 3 // 4)
            for n in range(count):
                size = big if n % 100 == 99 else small
                attachment = base64.encodebytes(os.urandom(size)).replace(b"\\n", b"\\r\\n")
                message = (b"From: Bank <statements@bank.example>\\r\\nTo: %s\\r\\nSubject: Statement %d\\r\\n"
                           b"MIME-Version: 1.0\\r\\nContent-Type: multipart/mixed; boundary=b\\r\\n\\r\\n--b\\r\\n"
                           b"Content-Type: text/plain; charset=utf-8\\r\\n\\r\\nYour statement is attached.\\r\\n--b\\r\\n"
                           b"Content-Type: application/pdf; name=statement-%d.pdf\\r\\nContent-Transfer-Encoding: base64\\r\\n"
                           b"Content-Disposition: attachment; filename=statement-%d.pdf\\r\\n\\r\\n" % (user.encode(), n, n, n)
                           + attachment + b"--b--\\r\\n")
                imap.append(box, None, None, message)
            imap.logout()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try Subprocess.run(["/usr/bin/python3", script, servers.caFile, String(servers.imap), credentials, mailbox,
                            String(messages), String(bytes)])
    }

    private static func curl(mailbox: String, count: Int, servers: TestServers, folder: String) throws -> Run {
        let output = folder + "/curl"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let netrc = folder + "/netrc"
        try "machine localhost login \(servers.user) password \(servers.password)\n".write(toFile: netrc, atomically: true, encoding: .utf8)
        let config = folder + "/curl.config"
        try (1...count).map { "url = \"imaps://localhost:\(servers.imap)/\(mailbox);UID=\($0)\"\noutput = \"\(output)/\($0).eml\"\n" }
            .joined().write(toFile: config, atomically: true, encoding: .utf8)
        let (seconds, peak) = try timed(["curl", "--silent", "--show-error", "--cacert", servers.caFile, "--netrc-file", netrc,
                                         "--config", config])
        return Run(messages: count, bytes: try folderSize(output), seconds: seconds, peakKiB: peak)
    }

    private static func python(mailbox: String, attachments: Bool, servers: TestServers, credentials: String,
                               folder: String) throws -> Run {
        let output = folder + (attachments ? "/python-decoded" : "/python")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let script = folder + "/fetch.py"
        try """
            import imaplib, ssl, sys, email, email.policy
            ca, port, creds, box, out, decode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1"
            user, password = open(creds).read().split("\\n")[:2]
            imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
            imap.login(user, password)
            imap.select(box, readonly=True)
            uids = imap.uid("SEARCH", None, "ALL")[1][0].split()
            for uid in uids:
                data = imap.uid("FETCH", uid, "(BODY.PEEK[])")[1][0][1]
                with open(f"{out}/{uid.decode()}.eml", "wb") as f:
                    f.write(data)
                if decode:
                    message = email.message_from_bytes(data, policy=email.policy.default)
                    for n, part in enumerate(message.iter_attachments()):
                        with open(f"{out}/{uid.decode()}-{n}-{part.get_filename()}", "wb") as f:
                            f.write(part.get_payload(decode=True))
            imap.logout()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let (seconds, peak) = try timed(["/usr/bin/python3", script, servers.caFile, String(servers.imap), credentials, mailbox,
                                         output, attachments ? "1" : "0"])
        let emlBytes = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".eml") }.count
        return Run(messages: emlBytes, bytes: try folderSize(output), seconds: seconds, peakKiB: peak)
    }

    /// The release `appvault` binary: scripts/bench.sh's, else the one beside this benchmark.
    private static func appvaultBinary(_ settings: BenchSettings) -> String? {
        if let path = settings.cli?.appvault { return path }
        let sibling = URL(fileURLWithPath: selfExecutable()).deletingLastPathComponent().appendingPathComponent("appvault").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil
    }

    /// `appvault fetch bob --mailbox MAILBOX --save DIR`, timed with its peak RSS.
    private static func cli(_ appvault: String, mailbox: String, folder: String, output: String,
                            environment: [String: String]) throws -> Run {
        let target = folder + "/" + output
        let (seconds, peak) = try timed([appvault, "fetch", "bob", "--mailbox", mailbox, "--save", target], environment: environment)
        let messages = try FileManager.default.contentsOfDirectory(atPath: target).filter { $0.hasSuffix(".eml") }.count
        return Run(messages: messages, bytes: try folderSize(target), seconds: seconds, peakKiB: peak)
    }

    /// Runs `command` under GNU time: wall seconds and maximum resident KiB.
    private static func timed(_ command: [String], environment: [String: String] = [:]) throws -> (Double, Int) {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("appvault-bench-time-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let (_, nanoseconds) = try Subprocess.run(["/usr/bin/time", "-o", report, "-f", "%M"] + command, environment: environment)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        return (nanoseconds / 1e9, Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
    }

    private static func probe(folder: String, mailbox: String, attachments: Bool, durable: Bool) throws -> Run {
        let (output, _) = try Subprocess.run([selfExecutable(), "probe-fetch", folder, mailbox, attachments ? "1" : "0",
                                              durable ? "1" : "0"], capture: true)
        return try JSONDecoder().decode(Run.self, from: Data(output.utf8))
    }

    static func folderSize(_ path: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: path).reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0)
        }
    }
}

/// The child-process half of the fetch section: appvault's public API saving the mailbox.
enum FetchProbe {
    /// Fetches every message of `mailbox` with the vault in `folder`; prints a ``Fetch/Run`` as JSON.
    static func main(folder: String, mailbox: String, attachments: Bool, durable: Bool) throws {
        let vault = try BenchVault.openUnlocked(folder)
        let caFile = ProcessInfo.processInfo.environment["APPVAULT_TEST_SERVERS"].map { $0 + "/ca.pem" }
        let output = folder + "/appvault-\(attachments)-\(durable)"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let start = monotonicNanoseconds()
        let client = try MailSession.imap(account: "bob", vault: vault, options: ConnectionOptions(caFile: caFile), holder: "bench")
        try client.examine(mailbox)
        let uids = try client.search(SearchCriteria())
        let summaries = try client.fetchSummaries(uids: uids, items: [.size, .bodyStructure]).summaries
        let (_, problems) = try client.saveMessages(summaries, toFolder: output, durable: durable) { "\($0.uid!).eml" }
        var taken: Set<String> = []
        let (_, attachmentProblems) = attachments
            ? try client.saveAttachments(of: summaries, toFolder: output, durable: durable) { summary, attachment in
                SafeFileName.unique(SafeFileName.make("\(summary.uid ?? 0)-" + (attachment.fileName ?? "")), in: output, taken: &taken)
            }
            : ([], [])
        guard problems.isEmpty && attachmentProblems.isEmpty else {
            throw Subprocess.Failure(description: "could not save: \(problems + attachmentProblems)")
        }
        try client.logout()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let run = Fetch.Run(messages: summaries.count, bytes: try Fetch.folderSize(output), seconds: seconds,
                            peakKiB: ProcStatus.kibibytes(named: "VmHWM", in: status) ?? 0)
        print(String(decoding: try JSONEncoder().encode(run), as: UTF8.self))
    }
}
