import Foundation
import Glibc
import Testing
import TestSupport

/// The mail commands through a running agent (issue 10 with issue 9's endpoints): no passphrase
/// is at hand (APPVAULT_PASSPHRASE_FILE names a missing file), each session logs in to the
/// agent's endpoint with a login lease, and the agent's refusals become the exit codes of
/// docs/cli.md.
@Suite("Mail commands through the agent, without a passphrase")
struct MailThroughAgentTests {
    /// A new mailbox user for one test (its mail starts empty).
    static func user(_ prefix: String) -> String { prefix + "-" + UUID().uuidString.prefix(6).lowercased() }

    func noPassphrase(_ scene: AgentEndpointScene) -> [String: String] {
        ["APPVAULT_PASSPHRASE_FILE": scene.cli.folder + "/missing-passphrase"]
    }

    func mailbox(_ scene: AgentEndpointScene) -> MailboxTool {
        MailboxTool(cli: scene.cli, address: scene.mailbox, password: scene.password)
    }

    /// Waits until `fetch NAME --subject subject --json` lists the message.
    func awaitMessage(_ scene: AgentEndpointScene, subject: String) throws -> Bool {
        for _ in 0..<40 {
            let listed = try scene.cli.run(["fetch", scene.accountName, "--subject", subject, "--json"], environment: noPassphrase(scene))
            if listed.stdout.contains(subject) { return true }
            usleep(250_000)
        }
        return false
    }

    @Test("fetch --save and --new, inbox, send --attach, verify and check work through the agent with no passphrase")
    func everyCommandThroughTheAgent() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-agent"))
        let name = scene.accountName
        let environment = noPassphrase(scene)
        let pdf = TestMail.pdf("through the agent")
        let pdfPath = scene.cli.folder + "/statement.pdf"
        _ = FileManager.default.createFile(atPath: pdfPath, contents: Data(pdf))
        let subject = "agent statement \(UUID().uuidString.prefix(8))"
        let sent = try scene.cli.run(["send", name, "--to", scene.mailbox, "--subject", subject, "--attach", pdfPath],
                                     stdin: Data("Attached.\n".utf8), environment: environment)
        #expect(sent.status == 0 && sent.stdout.contains("(through the agent)"), "\(sent.all)")
        #expect(try awaitMessage(scene, subject: subject))

        let folder = scene.cli.folder + "/saved"
        let first = try scene.cli.run(["fetch", name, "--new", "--save", folder, "--json"], environment: environment)
        #expect(first.status == 0 && first.stdout.contains(subject), "\(first.all)")
        #expect(FetchScene.bytes(folder + "/statement.pdf") == pdf, "saved byte for byte through the agent")
        let again = try scene.cli.run(["fetch", name, "--new", "--save", folder, "--json"], environment: environment)
        #expect(again.status == 0 && !again.stdout.contains(subject), "the state moved through the agent: \(again.all)")
        let inbox = try scene.cli.run(["inbox", name], environment: environment)
        #expect(inbox.status == 0 && inbox.stdout.contains(subject), "\(inbox.all)")
        let verified = try scene.cli.run(["verify", name], environment: environment)
        #expect(verified.status == 0 && verified.stdout.contains("IMAP localhost:") && verified.stdout.contains("SMTP localhost:")
                && verified.stdout.contains("login OK as \(scene.mailbox) (through the agent)"), "\(verified.all)")
        let checked = try scene.cli.run(["check"], environment: environment)
        #expect(checked.status == 0 && checked.stdout.contains("\(name): OK"), "\(checked.all)")

        let audit = try scene.cli.run(["audit", "--json"]).stdout
        #expect(audit.contains("\"fetch.state\"") && audit.contains("\"session.open\"") && audit.contains("\"lease.grant\""))
        let everything = [sent, first, again, inbox, verified, checked].map(\.all).joined() + audit + scene.log
        #expect(!everything.contains(scene.password), "the app password reached no output, log or audit")
        #expect(!everything.contains("avl-"), "no lease password was printed or logged")
    }

    @Test("refusals: a locked agent exits 9, a password the provider rejected 12 (check: 17), a revoked account 10")
    func refusalExitCodes() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-refused"))
        let name = scene.accountName
        let environment = noPassphrase(scene)
        #expect(try scene.cli.run(["lock"]).status == 0)
        let locked = try scene.cli.run(["fetch", name], environment: environment)
        #expect(locked.status == 9 && locked.stderr.contains("appvault unlock"), "\(locked.all)")
        #expect(try scene.cli.run(["unlock"]).status == 0)

        // The provider stops accepting the stored password: the agent's upstream login is
        // rejected, the endpoint says [CONTACTADMIN], the account is marked dead.
        try MailTestServers.setPassword(user: scene.mailbox, to: scene.password + "-changed")
        let rejected = try scene.cli.run(["fetch", name], environment: environment)
        #expect(rejected.status == 12 && rejected.stderr.contains("CONTACTADMIN"), "\(rejected.all)")
        #expect(try scene.cli.run(["list", "--json"]).stdout.contains("\"status\" : \"dead\""))
        let check = try scene.cli.run(["check", name], environment: environment)
        #expect(check.status == 17 && check.stdout.contains("DEAD"), "\(check.all)")
        try MailTestServers.setPassword(user: scene.mailbox, to: scene.password)
        let recheck = try scene.cli.run(["check", name], environment: environment)
        #expect(recheck.status == 0 && recheck.stdout.contains("OK"), "a working login marks it active again: \(recheck.all)")
        #expect(try scene.cli.run(["list", "--json"]).stdout.contains("\"status\" : \"active\""))

        #expect(try scene.cli.run(["revoke", name], environment: ["APPVAULT_AGENT_SOCK": scene.cli.folder + "/none.sock"]).status == 0)
        let revoked = try scene.cli.run(["fetch", name], environment: environment)
        #expect(revoked.status == 10 && revoked.stderr.contains("revoked"), "\(revoked.all)")
        let send = try scene.cli.run(["send", name, "--to", scene.mailbox], stdin: Data("x".utf8), environment: environment)
        #expect(send.status == 10, "\(send.all)")
        #expect(!(locked.all + rejected.all + check.all + revoked.all + scene.log).contains(scene.password))
    }

    @Test("check through the agent: an upstream the agent cannot reach is [UNAVAILABLE]: not checked, exit 13, nothing marked")
    func checkTemporaryThroughTheAgent() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-check-agent"))
        let closed = try CLIRunner.freePort()
        let added = try scene.cli.run(["add", "unreachable", "--provider", "custom", "--email", "nobody@example.test",
                                       "--imap", "127.0.0.1:\(closed):tls", "--smtp", "127.0.0.1:\(closed):tls"],
                                      stdin: Data("unreachable-password-2".utf8))
        #expect(added.status == 0, "\(added.all)")
        let check = try scene.cli.run(["check"], environment: noPassphrase(scene))
        #expect(check.status == 13, "\(check.all)")
        #expect(check.stdout.contains("\(scene.accountName): OK") && check.stdout.contains("unreachable: not checked")
                && check.stdout.contains("UNAVAILABLE"), "\(check.stdout)")
        #expect(!(try scene.cli.run(["list", "--json"]).stdout.contains("\"dead\"")), "nothing marked dead")
    }

    @Test("the daily download limit ends the fetch that crosses it and refuses the next one: exit 11")
    func trafficLimit() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-quota"), addArguments: ["--daily-download-mb", "1"])
        try mailbox(scene).append(TestMail.multipart(from: "a@b.example", to: scene.mailbox, subject: "big", parts: [
            TestMail.attachment(type: "application/zip", disposition: "attachment; filename=\"big.zip\"", bytes: TestMail.random(1_500_000)),
        ]))
        let folder = scene.cli.folder + "/quota"
        let crossing = try scene.cli.run(["fetch", scene.accountName, "--save", folder], environment: noPassphrase(scene))
        // The agent cuts the session inside a literal (no BYE can go there): the client sees the
        // connection close (13), or the BYE [OVERQUOTA] when the cut falls between responses (11).
        #expect(crossing.status == 11 || crossing.status == 13, "\(crossing.all)")
        #expect(FetchScene.files(in: folder).allSatisfy { !$0.hasPrefix(".") }, "no partial file: \(FetchScene.files(in: folder))")
        usleep(2_500_000)  // the agent's meter writes to the vault every two seconds
        let next = try scene.cli.run(["fetch", scene.accountName], environment: noPassphrase(scene))
        #expect(next.status == 11 && next.stderr.contains("OVERQUOTA"), "refused at login: \(next.all)")
    }

    @Test("a policy that does not let this program read the account exits 15")
    func policyDenial() throws {
        let policy = """
            trust_own_uid = false
            [[rule]]
            uid = \(getuid())
            accounts = ["someone-else"]
            admin = true
            """
        var policyPath = ""
        let scene = try AgentEndpointScene(user: Self.user("fiona-policy"), beforeAgent: { cli in
            policyPath = cli.writeFile("policy.toml", policy)
        }, extraAgentArguments: { ["--policy", policyPath] })
        let denied = try scene.cli.run(["fetch", scene.accountName], environment: noPassphrase(scene))
        #expect(denied.status == 15 && denied.stderr.contains("policy"), "\(denied.all)")
        let newDenied = try scene.cli.run(["fetch", scene.accountName, "--new"], environment: noPassphrase(scene))
        #expect(newDenied.status == 15, "reading the fetch state is a use of the account: \(newDenied.all)")
        let send = try scene.cli.run(["send", scene.accountName, "--to", scene.mailbox], stdin: Data("x".utf8),
                                     environment: noPassphrase(scene))
        #expect(send.status == 15, "\(send.all)")
    }

    @Test("--follow through the agent: locking the vault ends it with 9 (the session ends, the new login is refused)")
    func followEndsWhenLocked() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-follow-lock"))
        let follower = try RunningCommand(scene.cli, ["fetch", scene.accountName, "--follow"], environment: noPassphrase(scene))
        #expect(follower.waitFor { (try? scene.cli.run(["leases", "--json"]).stdout.contains("\"session\"")) == true })
        #expect(try scene.cli.run(["lock"]).status == 0)
        #expect(follower.exitStatus(within: 15) == 9, "\(follower.stderr)")
        #expect(follower.stderr.contains("locked"), "\(follower.stderr)")
    }

    @Test("--follow through the agent: revoking its session's lease ends it with 10, without retrying")
    func followEndsWhenLeaseRevoked() throws {
        let scene = try AgentEndpointScene(user: Self.user("fiona-follow-revoke"))
        let follower = try RunningCommand(scene.cli, ["fetch", scene.accountName, "--follow"], environment: noPassphrase(scene))
        var session: String?
        #expect(follower.waitFor {
            let leases = (try? scene.cli.run(["leases", "--json"]).stdout) ?? ""
            let list = (try? JSONSerialization.jsonObject(with: Data(leases.utf8)) as? [[String: Any]]) ?? []
            session = list.first { $0["kind"] as? String == "session" }?["id"] as? String
            return session != nil
        }, "the follower's session holds a lease")
        #expect(try scene.cli.run(["lease", "revoke", session ?? "none"]).status == 0)
        #expect(follower.exitStatus(within: 10) == 10, "\(follower.stderr)")
        #expect(!follower.stderr.contains("reconnecting"), "no retry loop: \(follower.stderr)")
    }
}
