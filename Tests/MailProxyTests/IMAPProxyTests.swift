import AppVault
import Foundation
import Glibc
import MailProxy
import Testing
import TestSupport

/// Python's imaplib and curl reading mail through the proxy from the project's Dovecot.
@Suite("IMAP through the proxy: imaplib and curl against Dovecot")
struct IMAPProxyTests {
    /// A message of about 300 KiB delivered to the reader's INBOX once, with this subject.
    static let bigMessage: Result<String, any Error> = Result {
        try ProxyTestServers.prepare()
        let subject = "proxy fetch \(UUID().uuidString.prefix(8))"
        let line = String(repeating: "0123456789abcdefghijklmnopqrstuvwxyz", count: 2) + "\r\n"
        try ProxyTestServers.deliver(from: ProxyTestServers.sender, to: ProxyTestServers.reader, subject: subject,
                                     body: String(repeating: line, count: 4200))
        return subject
    }

    private func imaplib(_ mode: String, port: Int, host: String = "127.0.0.1", subject: String = "-",
                         mailbox: ProxyTestServers.Mailbox = ProxyTestServers.reader) throws -> [String: Any] {
        let output = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("imap_client.py"), host, String(port),
                                           mailbox.account, mode, subject], stdin: mailbox.token + "\n")
        return try json(output)
    }

    /// The same message fetched by the same client straight from Dovecot.
    private func direct(subject: String) throws -> [String: Any] {
        let mailbox = ProxyTestServers.reader
        let output = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("imap_client.py"), "localhost",
                                           String(try MailTestServers.port(10993)), mailbox.user, "direct", subject,
                                           try ProxyTestServers.caFile()], stdin: mailbox.password + "\n")
        return try json(output)
    }

    @Test("imaplib fetches a whole message body, byte for byte as Dovecot serves it", arguments: ["login", "authenticate", "literal"])
    func fetchWholeMessage(mode: String) throws {
        let subject = try Self.bigMessage.get()
        let logs = LogCapture()
        let authority = try ProxyTestServers.authority()
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: logs)
        let proxied = try imaplib(mode, port: harness.port, subject: subject)
        #expect(proxied["subject_seen"] as? Bool == true)
        let straight = try direct(subject: subject)
        #expect(proxied["sha256"] as? String == straight["sha256"] as? String)
        #expect((proxied["length"] as? Int ?? 0) > 300_000)
        #expect(proxied["size"] as? Int == straight["size"] as? Int)
        let preLogin = proxied["pre_login"] as? [String] ?? []
        #expect(preLogin.contains("AUTH=PLAIN") && preLogin.contains("SASL-IR") && !preLogin.contains("IDLE"))
        // After login the client sees Dovecot's own capabilities.
        #expect(proxied["post_login"] as? [String] == straight["post_login"] as? [String])
        #expect(authority.waitForEnded(1))
        #expect(authority.events.first == .opened(account: "pia") && authority.events.contains(.upstreamLoggedIn))
        #expect(authority.summaries.count == 1 && authority.summaries[0].reason == "client logged out")
        #expect(authority.metered.downloaded >= Int64(proxied["length"] as? Int ?? 0))
        #expect(authority.metered.downloaded == authority.summaries[0].bytesFromUpstream)
        #expect(!logs.text.contains(ProxyTestServers.reader.token) && !logs.text.contains(ProxyTestServers.reader.password))
    }

    @Test("imaplib over the Unix socket the agent serves")
    func unixSocket() throws {
        let subject = try Self.bigMessage.get()
        let authority = try ProxyTestServers.authority()
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture(), unix: true)
        let proxied = try imaplib("unix", port: 0, host: try #require(harness.socketPath), subject: subject)
        #expect(proxied["subject_seen"] as? Bool == true)
    }

    @Test("curl searches and fetches a message by UID (AUTHENTICATE PLAIN with SASL-IR)", arguments: [["--login-options", "AUTH=PLAIN"], []])
    func curl(loginOptions: [String]) throws {
        let subject = try Self.bigMessage.get()
        let authority = try ProxyTestServers.authority()
        let logs = LogCapture()
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: logs)
        let netrc = try ProxyTestServers.netrc(ProxyTestServers.reader)
        defer { try? FileManager.default.removeItem(atPath: netrc) }
        let base = ["curl", "--silent", "--show-error", "--netrc-file", netrc] + loginOptions
        let search = try ChildProcess.run(base + ["imap://127.0.0.1:\(harness.port)/INBOX?SUBJECT%20%22\(subject.replacingOccurrences(of: " ", with: "%20"))%22"])
        let uid = try #require(search.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let body = try ChildProcess.run(base + ["imap://127.0.0.1:\(harness.port)/INBOX;UID=\(uid)"])
        #expect(body.contains("Subject: \(subject)") && body.utf8.count > 300_000)
        #expect(authority.waitForEnded(2))
        #expect(!logs.text.contains(ProxyTestServers.reader.token))
    }

    @Test("IDLE waits until a new message arrives, sent by smtplib through the SMTP proxy")
    func idleUntilNewMail() throws {
        let authority = try ProxyTestServers.authority()
        let imap = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture())
        let smtp = try ProxyHarness(protocol: .smtp, authority: authority, logs: LogCapture())
        let idler = ProxyTestServers.idler
        let client = try ChildProcess(["/usr/bin/python3", ChildProcess.script("imap_client.py"), "127.0.0.1", String(imap.port),
                                       idler.account, "idle"])
        client.send(idler.token + "\n")
        #expect(client.readLine() == "IDLING")
        let sender = ProxyTestServers.sender
        _ = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("smtp_client.py"), "127.0.0.1", String(smtp.port),
                                  sender.account, "PLAIN", sender.user, idler.user, "wake up \(UUID().uuidString.prefix(6))"],
                                 stdin: sender.token + "\n")
        let result = try #require(client.readLine(timeout: .seconds(20)))
        #expect(result.contains("EXISTS"), "imaplib saw: \(result)")
        #expect(client.wait() == 0)
    }

    @Test("ending a session mid-IDLE: imaplib gets * BYE within one second, then the connection closes")
    func killMidIdle() throws {
        let authority = try ProxyTestServers.authority()
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture())
        let idler = ProxyTestServers.idler
        let client = try ChildProcess(["/usr/bin/python3", ChildProcess.script("imap_client.py"), "127.0.0.1", String(harness.port),
                                       idler.account, "idle-until-bye"])
        client.send(idler.token + "\n")
        #expect(client.readLine() == "IDLING")
        #expect(harness.proxy.sessions.live().map(\.account) == ["ivy"])
        let start = monotonicNanoseconds()
        let ended = harness.proxy.sessions.end(where: { $0.account == "ivy" }, reason: "token revoked")
        #expect(ended == 1)
        let line = try #require(client.readLine(timeout: .seconds(5)))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let arrived = try #require(report["at"] as? Int)
        let latency = Double(arrived) - Double(start)
        #expect(report["bye"] as? String == "* BYE token revoked")
        #expect(latency < 1e9, "BYE after \(latency / 1e6) ms")
        print("kill mid-IDLE: BYE reached imaplib \(String(format: "%.2f", latency / 1e6)) ms after end(where:)")
        #expect(client.readLine()?.contains("\"closed_after_bye\": true") == true)
        #expect(authority.waitForEnded(1))
        #expect(authority.summaries.first?.reason == "token revoked")
        #expect(harness.proxy.sessions.live().isEmpty)
    }
}

/// A client's one-line JSON report.
func json(_ output: String) throws -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
        throw ChildProcess.Failure(description: "not a JSON report: \(output.prefix(500))")
    }
    return object
}

/// CLOCK_MONOTONIC in nanoseconds, the clock Python's `time.CLOCK_MONOTONIC` reads.
func monotonicNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}
