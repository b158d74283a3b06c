import AppVault
import Foundation
import Testing
import VaultCrypto
@testable import MailConnectors

@Suite("IMAP against Dovecot")
struct IMAPIntegrationTests {
    let user = TestServers.alice.user
    let password = TestServers.alice.password

    @Test("log in over implicit TLS, list, select and read the newest messages", arguments: [
        (10993, TransportSecurity.tls), (10143, TransportSecurity.starttls),
    ])
    func session(port: Int, security: TransportSecurity) throws {
        let logs = LogCapture()
        let budget = RecordingBudget()
        let lease = try TestServers.lease(.imap, port: port, security: security, user: user)
        let client = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                                            options: try TestServers.options(budget: budget), logger: logs.logger())
        #expect(!client.capabilities.contains("STARTTLS"))  // learnt over TLS, after login
        let mailboxes = try client.list()
        #expect(mailboxes.contains { $0.name == "INBOX" })
        let status = try client.examine("INBOX")
        #expect(status.readOnly)
        let newest = try client.newestMessages(3)
        #expect(newest.count == min(3, status.messageCount))
        #expect(newest.map(\.sequenceNumber) == newest.map(\.sequenceNumber).sorted(by: >))
        let read = client.bytesRead
        try client.logout()
        #expect(read > 0 && budget.total(.download) >= read && budget.total(.upload) > 0)
        let revealed = logs.reveals(password: password, user: user)
        #expect(!revealed, "the log shows the password")
        #expect(logs.text.contains("AUTHENTICATE PLAIN <credential redacted>"))
    }

    @Test("a wrong password is authenticationFailed, and the log does not show it")
    func wrongPassword() throws {
        let logs = LogCapture()
        let lease = try TestServers.lease(.imap, port: 10993, security: .tls, user: user)
        #expect {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: "wrong horse 42"),
                                       options: try TestServers.options(), logger: logs.logger())
        } throws: { error in
            guard case ConnectorError.authenticationFailed(let text) = error else { return false }
            return text.contains("Authentication failed") && !text.contains("wrong horse")
        }
        let revealed = logs.reveals(password: "wrong horse 42", user: user)
        #expect(!revealed, "the log shows the password")
    }

    @Test("a password rotated on the server works at once and the old one stops working")
    func rotation() throws {
        let user = "carol@example.test"
        let first = "carol-" + String(UUID().uuidString.prefix(14))  // 20 characters
        let second = "carol-rotated-" + String(UUID().uuidString.prefix(16))  // 30: the file's size changes
        let options = try TestServers.options()
        let lease = try TestServers.lease(.imap, port: 10993, security: .tls, user: user)
        try TestServers.setPassword(user: user, to: first)
        try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: first), options: options,
                               logger: LogCapture().logger()).logout()
        try TestServers.setPassword(user: user, to: second)
        #expect(throws: ConnectorError.self) {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: first), options: options,
                                       logger: LogCapture().logger())
        }
        try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: second), options: options,
                               logger: LogCapture().logger()).logout()
    }

    @Test("an SMTP lease cannot be used for IMAP")
    func wrongProtocol() throws {
        let lease = try TestServers.lease(.smtp, port: 10993, security: .tls, user: user)
        #expect(throws: VaultError.self) {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        }
    }

    @Test("a refusing traffic budget stops the connection before it starts")
    func budgetRefuses() throws {
        let lease = try TestServers.lease(.imap, port: 10993, security: .tls, user: user)
        #expect(throws: VaultError.self) {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                                       options: try TestServers.options(budget: RecordingBudget(refuse: true)),
                                       logger: LogCapture().logger())
        }
    }

    @Test("a brand-new password can be probed without a lease")
    func probe() throws {
        let secret = try SecureBytes(copying: Array(password.utf8))
        let client = try IMAPClient.connect(endpoint: try ServerEndpoint(host: "localhost", port: 10143, security: .starttls),
                                            username: user, password: secret, account: "new",
                                            options: try TestServers.options(), logger: LogCapture().logger())
        try client.logout()
    }
}
