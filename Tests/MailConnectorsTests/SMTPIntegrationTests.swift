import AppVault
import Foundation
import Testing
@testable import MailConnectors

@Suite("SMTP submission against aiosmtpd, delivered into Dovecot")
struct SMTPIntegrationTests {
    @Test("a message sent over SMTP arrives in the IMAP inbox", arguments: [
        (10465, TransportSecurity.tls), (10587, TransportSecurity.starttls),
    ])
    func sendAndReceive(port: Int, security: TransportSecurity) throws {
        let (sender, senderPassword) = (TestServers.alice.user, TestServers.alice.password)
        let (recipient, recipientPassword) = (TestServers.bob.user, TestServers.bob.password)
        let logs = LogCapture()
        let subject = "Kontoauszug März ✓ \(UUID().uuidString)"
        let options = try TestServers.options()
        let smtp = try SMTPClient.connect(lease: try TestServers.lease(.smtp, port: port, security: security, user: sender),
                                          redeemer: FixedPasswordRedeemer(password: senderPassword),
                                          options: options, logger: logs.logger())
        #expect(smtp.extensions["STARTTLS"] == nil)
        try smtp.send(try MailMessage(from: sender, to: [recipient], subject: subject, body: "Hello Bob,\n.\nbalance: 42 €\n"))
        #expect(smtp.bytesWritten > 0)
        try smtp.quit()
        let revealed = logs.reveals(password: senderPassword, user: sender)
        #expect(!revealed, "the log shows the password")
        #expect(logs.text.contains("AUTH PLAIN <credential redacted>"))

        let imap = try IMAPClient.connect(lease: try TestServers.lease(.imap, port: 10993, security: .tls, user: recipient),
                                          redeemer: FixedPasswordRedeemer(password: recipientPassword),
                                          options: options, logger: logs.logger())
        try imap.examine("INBOX")
        let found = try imap.newestMessages(20).first { $0.subject == subject }
        try imap.logout()
        #expect(found?.from == [MailAddress(name: nil, address: sender)])
        #expect(found.flatMap(\.date).map { abs($0.timeIntervalSinceNow) < 300 } == true)
    }

    @Test("a wrong password is authenticationFailed", arguments: [10465, 10587])
    func wrongPassword(port: Int) throws {
        let lease = try TestServers.lease(.smtp, port: port, security: port == 10465 ? .tls : .starttls,
                                          user: TestServers.alice.user)
        #expect {
            _ = try SMTPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: "not it"),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        } throws: { error in
            if case ConnectorError.authenticationFailed = error { return true }
            return false
        }
    }

    @Test("a recipient the server refuses is a clear serverRejected error, and the session goes on")
    func rejectedRecipient() throws {
        let (sender, password) = (TestServers.alice.user, TestServers.alice.password)
        let smtp = try SMTPClient.connect(lease: try TestServers.lease(.smtp, port: 10465, security: .tls, user: sender),
                                          redeemer: FixedPasswordRedeemer(password: password),
                                          options: try TestServers.options(), logger: LogCapture().logger())
        #expect(throws: ConnectorError.serverRejected(code: "550", text: "5.1.1 no such mailbox here")) {
            try smtp.send(try MailMessage(from: sender, to: ["nobody@example.test"], subject: "x", body: "x"))
        }
        // The session is still usable for the next message.
        try smtp.send(try MailMessage(from: sender, to: [sender], subject: "after a rejection", body: "x"))
        try smtp.quit()
    }
}
