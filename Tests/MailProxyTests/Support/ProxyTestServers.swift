import AppVault
import Foundation
import MailConnectors
import TestSupport
import VaultCrypto

/// The project's Dovecot and aiosmtpd (scripts/testservers) and the accounts the proxy tests own:
/// users of their own, so other suites' logins never count against Dovecot's per-user limits.
enum ProxyTestServers {
    /// A test mailbox: the Dovecot user and its app password, the account name, the local token.
    struct Mailbox: Sendable {
        let user: String
        let password: String
        let account: String
        let token: String
    }

    /// Reads and fetches; receives the messages the SMTP tests send.
    static let reader = Mailbox(user: "pia@example.test", password: "pia-app-password-31", account: "pia",
                                token: "avt-ProxyTestReaderToken-2m9Xq4")
    /// Waits in IDLE for new mail.
    static let idler = Mailbox(user: "ivy@example.test", password: "ivy-app-password-47", account: "ivy",
                               token: "avt-ProxyTestIdlerToken-7vP2kL")
    /// Sends mail.
    static let sender = Mailbox(user: "sam@example.test", password: "sam-app-password-53", account: "sam",
                                token: "avt-ProxyTestSenderToken-4hR8tW")

    /// Creates the users above in the servers' passwd file (once per test process).
    static func prepare() throws { try prepared.get() }

    private static let prepared: Result<Void, any Error> = Result {
        let passwd = try String(contentsOfFile: try MailTestServers.directory() + "/passwd", encoding: .utf8)
        for mailbox in [reader, idler, sender] where !passwd.contains("\(mailbox.user):{PLAIN}\(mailbox.password):") {
            try MailTestServers.setPassword(user: mailbox.user, to: mailbox.password)
        }
    }

    /// Connection options trusting the test CA.
    static func options(timeout: Duration = .seconds(10)) throws -> ConnectionOptions {
        ConnectionOptions(caFile: try caFile(), connectTimeout: timeout, ioTimeout: timeout)
    }

    static func caFile() throws -> String { try MailTestServers.directory() + "/ca.pem" }
    static func directory() throws -> String { try MailTestServers.directory() }

    /// Dovecot, implicit TLS.
    static func imap() throws -> ServerEndpoint { try ServerEndpoint(host: "localhost", port: MailTestServers.port(10993), security: .tls) }
    /// aiosmtpd, STARTTLS submission.
    static func smtp() throws -> ServerEndpoint {
        try ServerEndpoint(host: "localhost", port: MailTestServers.port(10587), security: .starttls)
    }

    /// The authority entry for `mailbox`.
    static func account(_ mailbox: Mailbox) throws -> FakeAuthority.Account {
        FakeAuthority.Account(name: mailbox.account, token: mailbox.token, imap: try imap(), smtp: try smtp(),
                              username: mailbox.user, password: mailbox.password)
    }

    /// A fake authority knowing every test mailbox.
    static func authority() throws -> FakeAuthority {
        try prepare()
        return FakeAuthority(try [reader, idler, sender].map(account))
    }
}

extension ProxyTestServers {
    /// Delivers a message straight to the servers (aiosmtpd, then Dovecot's LDA), not through
    /// the proxy: `from` logs in with its own password.
    static func deliver(from: Mailbox, to: Mailbox, subject: String, body: String) throws {
        let logger = LogCapture().logger()
        let client = try SMTPClient.connect(endpoint: try smtp(), username: from.user,
                                            password: try SecureBytes(copying: Array(from.password.utf8)),
                                            account: from.account, options: try options(), logger: logger)
        let message = "From: <\(from.user)>\r\nTo: <\(to.user)>\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID().uuidString)@example.test>\r\n\r\n\(body)"
        try client.send(from: from.user, to: [to.user], data: Array(message.utf8))
        try client.quit()
    }

    /// The subjects of `mailbox`'s newest messages, read straight from Dovecot.
    static func newestSubjects(_ mailbox: Mailbox, count: Int = 20) throws -> [String] {
        let client = try IMAPClient.connect(endpoint: try imap(), username: mailbox.user,
                                            password: try SecureBytes(copying: Array(mailbox.password.utf8)),
                                            account: mailbox.account, options: try options(), logger: LogCapture().logger())
        defer { try? client.logout() }
        try client.examine("INBOX")
        return try client.newestMessages(count).map(\.subject)
    }

    /// A netrc file (0600) giving curl `mailbox`'s account name and token for 127.0.0.1 and localhost.
    static func netrc(_ mailbox: Mailbox) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-netrc-\(UUID().uuidString)").path
        let line = { (host: String) in "machine \(host) login \(mailbox.account) password \(mailbox.token)\n" }
        _ = FileManager.default.createFile(atPath: path, contents: Data((line("127.0.0.1") + line("localhost")).utf8),
                                       attributes: [.posixPermissions: 0o600])
        return path
    }
}
