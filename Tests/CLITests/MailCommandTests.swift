import Foundation
import Glibc
import Testing
import TestSupport

/// The mail commands against the real Dovecot and SMTP servers started by scripts/testservers.
/// Serialized: they change frank's password on the server.
@Suite("appvault verify, inbox, send, check, --verify", .serialized)
struct MailCommandTests {
    static let user = "frank@example.test"

    /// A vault whose environment trusts the test CA and finds no agent.
    func mailVault() throws -> CLIRunner {
        var cli = CLIRunner()
        cli.environment["APPVAULT_CA_FILE"] = try MailTestServers.directory() + "/ca.pem"
        cli.environment["APPVAULT_AGENT_SOCK"] = cli.folder + "/no-agent.sock"
        try cli.initVault()
        return cli
    }

    func addFrank(_ cli: CLIRunner, password: String, verify: Bool = true) throws -> CLIRunner.Result {
        try cli.run(["add", "frank", "--provider", "custom", "--email", Self.user,
                     "--imap", "localhost:10143:starttls", "--smtp", "localhost:10465:tls"] + (verify ? ["--verify"] : []),
                    stdin: Data(password.utf8))
    }

    func freshPassword() -> String { "frank-" + String(UUID().uuidString.prefix(13)) }

    @Test("add --verify stores only a password that logs in; verify, send and inbox work through leases")
    func addVerifySendInbox() throws {
        let cli = try mailVault()
        defer { cli.cleanUp() }
        let password = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: password)
        let wrong = try addFrank(cli, password: "not-the-password")
        #expect(wrong.status == 12 && wrong.stderr.contains("rotate"), "\(wrong.stderr)")
        #expect(try !cli.run(["list"]).stdout.contains("frank"), "nothing stored after a failed probe")

        #expect(try addFrank(cli, password: password).status == 0)
        let verified = try cli.run(["verify", "frank"])
        #expect(verified.status == 0 && verified.stdout.contains("IMAP localhost:10143:starttls: login OK"), "\(verified.all)")
        #expect(verified.stdout.contains("SMTP localhost:10465:tls: login OK"))

        let subject = "appvault test \(UUID().uuidString.prefix(8))"
        let sent = try cli.run(["send", "frank", "--to", Self.user, "--subject", subject], stdin: Data("hello\n.\nbye\n".utf8))
        #expect(sent.status == 0, "\(sent.all)")
        var listed = ""
        for _ in 0..<20 where !listed.contains(subject) {
            listed = try cli.run(["inbox", "frank", "--limit", "50", "--json"]).stdout
            if !listed.contains(subject) { usleep(250_000) }
        }
        #expect(listed.contains(subject), "the message arrived in the Dovecot mailbox")
        let traffic = try cli.run(["list", "--json"]).stdout
        #expect(!traffic.contains("\"bytes_in\" : 0,"), "IMAP traffic was metered")
        let everything = try cli.run(["audit"]).all + verified.all + listed + sent.all
        #expect(!everything.contains(password))
    }

    @Test("rotate --verify keeps the old password when the new one does not log in")
    func rotateVerify() throws {
        let cli = try mailVault()
        defer { cli.cleanUp() }
        let password = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: password)
        #expect(try addFrank(cli, password: password).status == 0)
        let refused = try cli.run(["rotate", "frank", "--verify"], stdin: Data("a-wrong-new-one".utf8))
        #expect(refused.status == 12)
        #expect(try cli.run(["list", "--json"]).stdout.contains("\"generation\" : 1"), "generation unchanged")
        #expect(try cli.run(["verify", "frank"]).status == 0, "the old password is still in force")

        let next = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: next)
        #expect(try cli.run(["rotate", "frank", "--verify"], stdin: Data(next.utf8)).status == 0)
        #expect(try cli.run(["verify", "frank"]).status == 0)
    }

    @Test("check marks an account dead when the provider revoked its password, with exit 17")
    func checkFindsDeadPassword() throws {
        let cli = try mailVault()
        defer { cli.cleanUp() }
        let password = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: password)
        #expect(try addFrank(cli, password: password).status == 0)
        #expect(try cli.run(["check"]).status == 0)
        try MailTestServers.setPassword(user: Self.user, to: freshPassword())
        let check = try cli.run(["check", "frank"])
        #expect(check.status == 17 && check.stdout.contains("DEAD"), "\(check.all)")
        #expect(try cli.run(["list", "--json"]).stdout.contains("\"status\" : \"dead\""))
        let failedLogin = try cli.run(["verify", "frank"])
        #expect(failedLogin.status == 12 && failedLogin.all.contains("rotate"))
    }

    @Test("an untrusted CA or a certificate for another name is refused with exit 13")
    func certificateFailures() throws {
        let cli = try mailVault()
        defer { cli.cleanUp() }
        let password = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: password)
        #expect(try addFrank(cli, password: password).status == 0)
        let otherCA = try MailTestServers.directory() + "/expired.pem"
        let untrusted = try cli.run(["verify", "frank"], environment: ["APPVAULT_CA_FILE": otherCA])
        #expect(untrusted.status == 13 && untrusted.stdout.contains("certificate"), "\(untrusted.all)")

        let wrongName = try cli.run(["add", "wrongname", "--provider", "custom", "--email", Self.user,
                                     "--imap", "localhost:10995:tls", "--smtp", "localhost:10465:tls", "--verify"],
                                    stdin: Data(password.utf8))
        #expect(wrongName.status == 13 && wrongName.stderr.contains("localhost"), "\(wrongName.all)")
        #expect(!wrongName.all.contains(password))
    }

    @Test("with a running, unlocked agent, mail commands need no passphrase")
    func throughTheAgent() throws {
        var cli = try mailVault()
        defer { cli.cleanUp() }
        let password = freshPassword()
        try MailTestServers.setPassword(user: Self.user, to: password)
        #expect(try addFrank(cli, password: password).status == 0)
        let socket = cli.folder + "/agent/agent.sock"
        cli.environment["APPVAULT_AGENT_SOCK"] = socket
        let agent = try cli.spawn(["agent", "--idle-lock", "5m"])
        defer { kill(agent.processIdentifier, SIGTERM); agent.waitUntilExit() }
        var status = try cli.run(["agent", "status"])
        for _ in 0..<40 where status.status != 0 { usleep(100_000); status = try cli.run(["agent", "status"]) }
        #expect(try cli.run(["unlock"]).status == 0)
        let withoutPassphrase = try cli.run(["verify", "frank"], environment: ["APPVAULT_PASSPHRASE_FILE": cli.folder + "/missing"])
        #expect(withoutPassphrase.status == 0, "\(withoutPassphrase.all)")
        let audit = try cli.run(["audit", "--json"]).stdout
        #expect(audit.contains("lease.use"))
    }
}
