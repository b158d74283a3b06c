import AppVault
import Testing
@testable import MailConnectors

/// Every way of sending the password, each against the real servers (Dovecot behind a proxy
/// that hides SASL-IR or AUTH=PLAIN; aiosmtpd offering only AUTH LOGIN).
@Suite("Authentication variants")
struct AuthenticationVariantsTests {
    @Test("IMAP: PLAIN with SASL-IR, PLAIN after a continuation, LOGIN quoted, escaped and as a literal", arguments: [
        (10993, TestServers.dave, "AUTHENTICATE PLAIN <credential redacted>"),
        (10996, TestServers.alice, "C: <credential redacted>"),
        (10997, TestServers.alice, "LOGIN <credential redacted>"),
        (10997, TestServers.erin, "LOGIN <credential redacted>"),
        (10997, TestServers.dave, "C: <credential redacted>"),
    ])
    func imap(port: Int, account: TestAccount, trace: String) throws {
        let logs = LogCapture()
        let lease = try TestServers.lease(.imap, port: port, security: .tls, user: account.user)
        let client = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: account.password),
                                            options: try TestServers.options(), logger: logs.logger())
        #expect(try client.examine("INBOX").readOnly)
        try client.logout()
        #expect(logs.text.contains(trace))
        let revealed = logs.reveals(password: account.password, user: account.user)
        #expect(!revealed, "the log shows the password")
    }

    @Test("IMAP: a wrong password through LOGIN is authenticationFailed")
    func imapLoginWrongPassword() throws {
        let lease = try TestServers.lease(.imap, port: 10997, security: .tls, user: TestServers.erin.user)
        #expect {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: "nope \"x\""),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        } throws: { error in
            if case ConnectorError.authenticationFailed = error { return true }
            return false
        }
    }

    @Test("SMTP: AUTH LOGIN when PLAIN is not offered", arguments: [TestServers.alice, TestServers.dave])
    func smtpLogin(account: TestAccount) throws {
        let logs = LogCapture()
        let lease = try TestServers.lease(.smtp, port: 10466, security: .tls, user: account.user)
        let client = try SMTPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: account.password),
                                            options: try TestServers.options(), logger: logs.logger())
        #expect(client.extensions["AUTH"] == "LOGIN")
        try client.quit()
        #expect(logs.text.contains("C: AUTH LOGIN"))
        let revealed = logs.reveals(password: account.password, user: account.user)
        #expect(!revealed, "the log shows the password")
    }
}
