import Foundation
import TestSupport

extension CLIRunner {
    /// A runner whose vault trusts the test servers' CA and whose agent socket is `socket` in its folder.
    static func forMail(agentSocket socket: String) throws -> CLIRunner {
        var cli = CLIRunner()
        cli.environment["APPVAULT_CA_FILE"] = try MailTestServers.directory() + "/ca.pem"
        cli.environment["APPVAULT_AGENT_SOCK"] = cli.folder + "/" + socket
        return cli
    }

    /// Gives mailbox `user@example.test` a new random password on the test servers, creates the
    /// vault and adds account `user` for it (IMAP STARTTLS, SMTP TLS); returns the password.
    func addMailAccount(_ user: String, arguments: [String] = []) throws -> String {
        let password = user + "-" + String(UUID().uuidString.prefix(13))
        try MailTestServers.setPassword(user: user + "@example.test", to: password)
        try initVault()
        let added = try run(["add", user, "--provider", "custom", "--email", user + "@example.test",
                             "--imap", "localhost:\(try MailTestServers.port(10143)):starttls",
                             "--smtp", "localhost:\(try MailTestServers.port(10465)):tls"] + arguments,
                            stdin: Data(password.utf8))
        guard added.status == 0 else { throw SceneFailure("add failed: \(added.all)") }
        return password
    }
}
