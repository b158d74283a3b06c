import Foundation
import MailProxy
import Testing
import TestSupport

/// Python's smtplib and curl sending mail through the proxy to the project's aiosmtpd, which
/// delivers into Dovecot.
@Suite("SMTP through the proxy: smtplib and curl against aiosmtpd")
struct SMTPProxyTests {
    @Test("smtplib sends a message that reaches Dovecot", arguments: ["PLAIN", "PLAIN-334", "LOGIN", "LOGIN-IR"])
    func send(mechanism: String) throws {
        let authority = try ProxyTestServers.authority()
        let logs = LogCapture()
        let harness = try ProxyHarness(protocol: .smtp, authority: authority, logs: logs)
        let sender = ProxyTestServers.sender, reader = ProxyTestServers.reader
        let subject = "smtplib \(mechanism) \(UUID().uuidString.prefix(8))"
        let output = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("smtp_client.py"), "127.0.0.1", String(harness.port),
                                           sender.account, mechanism, sender.user, reader.user, subject], stdin: sender.token + "\n")
        let result = try json(output)
        #expect(result["auth"] as? Int == 235)
        #expect(result["pre_auth"] as? [String] == ["auth", "enhancedstatuscodes"])
        // EHLO after AUTH reaches aiosmtpd, which lists its own extensions; the session stays authenticated.
        let after = result["after_auth"] as? [String] ?? []
        #expect(after.contains("8bitmime") && after.contains("size") && after.contains("auth"))
        #expect(result["refused"] as? [String] == [])
        #expect(try ProxyTestServers.newestSubjects(reader).contains(subject))
        #expect(authority.waitForEnded(1))
        #expect(authority.summaries.first?.reason == "client logged out")
        #expect(authority.metered.uploaded > 0 && authority.metered.uploaded == authority.summaries.first?.bytesToUpstream)
        #expect(!logs.text.contains(sender.token) && !logs.text.contains(sender.password))
    }

    @Test("curl sends a message with AUTH PLAIN and with AUTH LOGIN", arguments: ["AUTH=PLAIN", "AUTH=LOGIN"])
    func curl(loginOptions: String) throws {
        let authority = try ProxyTestServers.authority()
        let harness = try ProxyHarness(protocol: .smtp, authority: authority, logs: LogCapture())
        let sender = ProxyTestServers.sender, reader = ProxyTestServers.reader
        let netrc = try ProxyTestServers.netrc(sender)
        let subject = "curl \(loginOptions) \(UUID().uuidString.prefix(8))"
        let message = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-mail-\(UUID().uuidString)").path
        try "From: <\(sender.user)>\r\nTo: <\(reader.user)>\r\nSubject: \(subject)\r\n\r\nSent by curl.\r\n"
            .write(toFile: message, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: netrc)
            try? FileManager.default.removeItem(atPath: message)
        }
        _ = try ChildProcess.run(["curl", "--silent", "--show-error", "--netrc-file", netrc, "--login-options", loginOptions,
                                  "--mail-from", sender.user, "--mail-rcpt", reader.user, "--upload-file", message,
                                  "smtp://127.0.0.1:\(harness.port)"])
        #expect(try ProxyTestServers.newestSubjects(reader).contains(subject))
    }
}
