import Foundation
import Glibc
import Testing
import TestSupport

/// The agent's IMAP and SMTP endpoints (issue 9) end to end: the real `appvault agent` in front of
/// Dovecot and the SMTP test server, used by clients nobody here wrote (Python's imaplib and
/// smtplib, curl), with a client token: the app password never leaves the agent.
@Suite("Agent endpoints: real clients through the agent (issue 9)")
struct AgentEndpointTests {
    @Test("smtplib sends and imaplib (Unix socket and TCP) and curl read through the agent with a token")
    func realClientsWithAToken() throws {
        let scene = try AgentEndpointScene(user: "gus")
        let subject = "through the agent \(UUID().uuidString.prefix(8))"
        let sent = try scene.send(subject: subject)
        #expect(sent.status == 0 && sent.stdout.contains("\"auth\": 235"), "\(sent.all)")

        var overUnix = CLIRunner.Result(status: 1, stdout: "", stderr: "", crashed: false)
        for _ in 0..<40 where overUnix.status != 0 {
            overUnix = try scene.python("imap_client.py", [scene.imapSocket, "0", "gus", "unix", subject])
            if overUnix.status != 0 { usleep(250_000) }
        }
        #expect(overUnix.status == 0 && overUnix.stdout.contains("\"subject_seen\": true"), "\(overUnix.all)")
        let overTCP = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "gus", "login", subject])
        #expect(overTCP.status == 0 && overTCP.stdout.contains("\"subject_seen\": true"), "\(overTCP.all)")

        // curl reads its credential from a config on standard input, never argv.
        let curl = try scene.curl("imap://127.0.0.1:\(scene.imapPort)/INBOX?SUBJECT%20%22\(subject.replacingOccurrences(of: " ", with: "%20"))%22",
                                  user: "gus")
        #expect(curl.status == 0 && curl.stdout.contains("* SEARCH "), "\(curl.all)")
        #expect(curl.stdout.split(separator: " ").count > 2, "curl found the message: \(curl.stdout)")

        let wrong = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "gus", "login", subject],
                                     credential: "avt-0000000000000000-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        #expect(wrong.status == 1 && wrong.stderr.contains("AUTHENTICATIONFAILED"), "\(wrong.all)")
        let otherAccount = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "nobody", "login", subject])
        #expect(otherAccount.status == 1 && otherAccount.stderr.contains("AUTHENTICATIONFAILED"), "a token logs in to its own account only")

        let audit = try scene.cli.run(["audit", "--json"]).stdout
        #expect(audit.components(separatedBy: "\"session.open\"").count - 1 >= 4, "one session per login: \(audit)")
        #expect(audit.contains("\"session.end\""))
        let everything = [sent, overUnix, overTCP, curl, wrong].map(\.all).joined() + audit + scene.log
        #expect(!everything.contains(scene.password), "the app password reached a client, the log or the audit")
        #expect(!(audit + scene.log).contains(String(scene.token.suffix(20))), "the token's secret reached the log or the audit")
    }

    @Test("a non-loopback endpoint, TLS without a certificate, or half a certificate is refused at start with exit 2",
          arguments: [["--imap-listen", "0.0.0.0:1143"], ["--smtp-listen", "192.0.2.1:1587"], ["--imap-listen", "127.0.0.1:1143:tls"],
                      ["--local-cert", "/etc/hostname"]])
    func endpointOptionsChecked(_ arguments: [String]) throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let refused = try cli.run(["agent"] + arguments, environment: ["APPVAULT_AGENT_SOCK": cli.folder + "/agent/agent.sock"])
        #expect(refused.status == 2, "\(refused.all)")
        #expect(refused.stderr.contains("loopback") || refused.stderr.contains("--local-key"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.folder + "/agent"), "nothing was opened")
    }

    @Test("a login lease from `lease grant` opens one session, then is spent: [EXPIRED]")
    func loginLeaseIsSpent() throws {
        let scene = try AgentEndpointScene(user: "liv")
        let granted = try scene.cli.run(["lease", "grant", "liv", "--protocol", "imap", "--ttl", "120"])
        let password = granted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(granted.status == 0 && password.hasPrefix("avl-"), "\(granted.stderr)")
        let subject = "lease \(UUID().uuidString.prefix(8))"
        #expect(try scene.send(subject: subject).status == 0)
        let first = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "liv", "login", subject], credential: password)
        #expect(!first.stderr.contains("AUTHENTICATIONFAILED") && !first.stderr.contains("EXPIRED"), "the lease logs in once: \(first.all)")
        let second = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "liv", "login", subject], credential: password)
        #expect(second.status == 1 && second.stderr.contains("EXPIRED"), "then it is spent: \(second.all)")
        // Tokens live at least a minute; their expiry at the endpoint is tested with a manual
        // clock (SessionTests) and a fake authority (RefusalTests).
    }

    @Test("rotating the app password changes no client's settings: the same token logs in after rotate")
    func rotationKeepsClients() throws {
        let scene = try AgentEndpointScene(user: "hana")
        let next = "hana-" + String(UUID().uuidString.prefix(13))
        try MailTestServers.setPassword(user: scene.mailbox, to: next)
        let rotated = try scene.cli.run(["rotate", "hana"], stdin: Data(next.utf8))
        #expect(rotated.status == 0, "\(rotated.all)")
        let subject = "after rotate \(UUID().uuidString.prefix(8))"
        let sent = try scene.send(subject: subject)
        #expect(sent.status == 0, "the old token sends with the new password: \(sent.all)")
        var read = CLIRunner.Result(status: 1, stdout: "", stderr: "", crashed: false)
        for _ in 0..<40 where read.status != 0 {
            read = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "hana", "login", subject])
            if read.status != 0 { usleep(250_000) }
        }
        #expect(read.status == 0, "\(read.all)")
    }

    /// How a test takes a session away, and what the client may do afterwards.
    enum Revocation: String, CaseIterable, CustomTestStringConvertible {
        case tokenThroughTheAgent, rotateInAnotherProcess, accountRevoke, sessionLeaseRevoke
        var testDescription: String { rawValue }
    }

    @Test("a change ends the live IDLE session within a second, whichever process makes it",
          arguments: Revocation.allCases)
    func revocationEndsLiveSessions(_ revocation: Revocation) throws {
        let user = "ida-" + String(revocation.rawValue.prefix(5)).lowercased()
        let scene = try AgentEndpointScene(user: user)
        let idler = try scene.pythonRunning("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", user, "idle-until-bye"])
        defer { idler.stop() }
        #expect(idler.line() == "IDLING")

        let change: CLIRunner.Result
        switch revocation {
        case .tokenThroughTheAgent:
            change = try scene.cli.run(["token", "revoke", scene.tokenID])
        case .rotateInAnotherProcess:
            // No agent for this command: it writes the vault file itself, and the agent only sees
            // the change through the store.
            let next = user + "-" + String(UUID().uuidString.prefix(13))
            try MailTestServers.setPassword(user: scene.mailbox, to: next)
            change = try scene.cli.run(["rotate", user], stdin: Data(next.utf8),
                                       environment: ["APPVAULT_AGENT_SOCK": scene.cli.folder + "/none.sock"])
        case .accountRevoke:
            change = try scene.cli.run(["revoke", user], environment: ["APPVAULT_AGENT_SOCK": scene.cli.folder + "/none.sock"])
        case .sessionLeaseRevoke:
            let leases = try scene.cli.run(["leases", "--json"]).stdout
            let list = (try? JSONSerialization.jsonObject(with: Data(leases.utf8)) as? [[String: Any]]) ?? []
            let session = list.first { $0["kind"] as? String == "session" }?["id"] as? String
            #expect(session != nil, "the session holds a lease: \(leases)")
            change = try scene.cli.run(["lease", "revoke", session ?? "none"])
        }
        let changed = AgentEndpointScene.monotonicNanoseconds()
        #expect(change.status == 0, "\(change.all)")
        let bye = idler.json(timeout: 10)
        let at = (bye?["at"] as? NSNumber)?.int64Value ?? Int64.max
        #expect(bye?["bye"] as? String != nil, "the client got a BYE: \(String(describing: bye))")
        #expect(at - changed < 1_000_000_000, "BYE \(Double(at - changed) / 1e9) s after the change")
        #expect(idler.json()?["closed_after_bye"] as? Bool == true, "the connection closed after the BYE")

        let again = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", user, "login", "x"])
        switch revocation {
        case .tokenThroughTheAgent:
            #expect(again.stderr.contains("AUTHENTICATIONFAILED"), "a revoked token logs in no more: \(again.all)")
        case .accountRevoke:
            #expect(again.stderr.contains("AUTHENTICATIONFAILED") || again.stderr.contains("CONTACTADMIN"), "\(again.all)")
        case .rotateInAnotherProcess, .sessionLeaseRevoke:
            #expect(!again.stderr.contains("AUTHENTICATIONFAILED") && !again.stderr.contains("CONTACTADMIN"),
                    "the token still logs in: \(again.all)")
        }
    }

    @Test("a locked agent refuses logins with IMAP [UNAVAILABLE] and SMTP 454, and works once unlocked")
    func lockedAgentRefuses() throws {
        let scene = try AgentEndpointScene(user: "jon")
        #expect(try scene.cli.run(["lock"]).status == 0)
        let imap = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "jon", "login", "x"])
        #expect(imap.status == 1 && imap.stderr.contains("UNAVAILABLE") && imap.stderr.contains("unlock"), "\(imap.all)")
        let smtp = try scene.send(subject: "while locked")
        #expect(smtp.status == 1 && smtp.stderr.contains("454"), "\(smtp.all)")
        #expect(try scene.cli.run(["unlock"]).status == 0)
        let subject = "after unlock \(UUID().uuidString.prefix(8))"
        #expect(try scene.send(subject: subject).status == 0)
    }

    @Test("an account's session cap refuses one login more with [LIMIT], and frees the slot when a session ends")
    func sessionCap() throws {
        let scene = try AgentEndpointScene(user: "kim", agentArguments: ["--max-sessions", "2"])
        let first = try scene.pythonRunning("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "kim", "idle-until-bye"])
        let second = try scene.pythonRunning("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "kim", "idle-until-bye"])
        defer { first.stop(); second.stop() }
        #expect(first.line() == "IDLING" && second.line() == "IDLING")
        let third = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "kim", "login", "x"])
        #expect(third.status == 1 && third.stderr.contains("LIMIT"), "\(third.all)")
        let smtp = try scene.send(subject: "SMTP counts apart")
        #expect(smtp.status == 0, "the cap is per protocol: \(smtp.all)")
        first.stop()
        var freed = third
        for _ in 0..<40 where freed.stderr.contains("LIMIT") {
            usleep(100_000)
            freed = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "kim", "login", "x"])
        }
        #expect(!freed.stderr.contains("LIMIT"), "the slot is free once a session ends: \(freed.all)")
    }

    @Test("the daily download budget ends the session that crosses it and refuses the next with [OVERQUOTA]")
    func trafficBudget() throws {
        let scene = try AgentEndpointScene(user: "lou", addArguments: ["--daily-download-mb", "1"])
        let subject = "big \(UUID().uuidString.prefix(8))"
        let sent = try scene.send(subject: subject, bodyBytes: 1_500_000)
        #expect(sent.status == 0, "uploads have their own budget: \(sent.all)")
        var fetched = CLIRunner.Result(status: 1, stdout: "", stderr: "no attempt", crashed: false)
        for _ in 0..<40 where fetched.stderr.contains("no message") || fetched.stderr == "no attempt" {
            fetched = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "lou", "login", subject])
            if fetched.stderr.contains("no message") { usleep(250_000) }
        }
        #expect(fetched.status == 1, "the fetch crossing the budget was cut: \(fetched.all)")
        usleep(2_500_000) // the meter flushes every two seconds
        let next = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "lou", "login", subject])
        #expect(next.status == 1 && next.stderr.contains("OVERQUOTA"), "\(next.all)")
        let listed = try scene.cli.run(["list", "--json"]).stdout
        #expect(listed.contains("\"bytes_in\""), "\(listed)")
    }

    @Test("after proxied IMAP and SMTP sessions the agent's memory holds no copy of the app password",
          .enabled(if: getuid() == 0, "the agent is not dumpable: only root (CAP_SYS_PTRACE) reads its memory; CI runs as root"))
    func passwordNotLeftInAgentMemory() throws {
        let scene = try AgentEndpointScene(user: "max")
        let subject = "memory \(UUID().uuidString.prefix(8))"
        #expect(try scene.send(subject: subject).status == 0)
        var read = CLIRunner.Result(status: 1, stdout: "", stderr: "", crashed: false)
        for _ in 0..<40 where read.status != 0 {
            read = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "max", "login", subject])
            if read.status != 0 { usleep(250_000) }
        }
        #expect(read.status == 0, "\(read.all)")
        let plain = Array("\0\(scene.mailbox)\0\(scene.password)".utf8)
        let needles: [(String, [UInt8])] = [
            ("the password", Array(scene.password.utf8)),
            ("SASL PLAIN in base64", Array(Data(plain).base64EncodedString().utf8)),
            ("the password in base64 (AUTH LOGIN)", Array(Data(scene.password.utf8).base64EncodedString().utf8)),
            ("the token's secret", Array(scene.token.split(separator: "-").last!.utf8)),
        ]
        let found = try ProcessMemory.search(pid: scene.agent.processIdentifier, for: needles.map(\.1))
        for (index, (name, _)) in needles.enumerated() {
            #expect(found[index] == 0, "\(name) is in the agent's memory \(found[index]) time(s)")
        }
        // The scan itself works: the agent's arguments are on its stack.
        #expect(try ProcessMemory.search(pid: scene.agent.processIdentifier, for: [Array("--imap-listen".utf8)])[0] >= 1)
    }
}

/// Attacks from other users on the endpoints (CI runs as root; these need a second uid).
@Suite("Agent endpoints refuse other users (issue 11)", .serialized,
       .enabled(if: getuid() == 0, "making other users needs root (CI runs as root)"))
struct AgentEndpointPeerTests {
    @Test("another uid is refused at connect without a rule, and a rule for another account refuses its login even with a stolen token")
    func otherUsers() throws {
        let intruder = try TestUsers.ensure("appvault-intruder")
        let neighbour = try TestUsers.ensure("appvault-neighbour")
        var policyPath = ""
        let scene = try AgentEndpointScene(user: "ned", agentArguments: [], beforeAgent: { cli in
            policyPath = cli.writeFile("policy.toml", """
                [[rule]]
                uid = \(neighbour.uid)
                accounts = ["someone-else"]
                protocols = ["imap", "smtp"]
                """)
        }, extraAgentArguments: { ["--policy", policyPath, "--socket-group", "appvault-neighbour"] })
        // Let the other users reach the Unix sockets' folder to show the policy, not the file mode, refuses them.
        chmod(scene.cli.folder, 0o711)

        for user in [intruder, neighbour] {
            let viaTCP = try scene.python("imap_client.py", ["127.0.0.1", "\(scene.imapPort)", "ned", "login", "x"], as: user)
            #expect(viaTCP.status == 1, "\(viaTCP.all)")
            let viaUnix = try scene.python("imap_client.py", [scene.imapSocket, "0", "ned", "unix", "x"], as: user)
            #expect(viaUnix.status == 1, "\(viaUnix.all)")
            if user == intruder {
                #expect(viaTCP.stderr.contains("policy does not allow"), "refused at connect over TCP: \(viaTCP.all)")
            } else {
                #expect(viaTCP.stderr.contains("AUTHORIZATIONFAILED"), "the rule names another account: \(viaTCP.all)")
                #expect(viaUnix.stderr.contains("AUTHORIZATIONFAILED"), "\(viaUnix.all)")
            }
        }
        let audit = try scene.cli.run(["audit", "--json"]).stdout
        #expect(audit.contains("\(intruder.uid)") && audit.contains("\(neighbour.uid)"), "both refusals audited")
        #expect(!audit.contains("\"session.open\""), "no session opened for another user")
    }
}
