import Foundation
import Testing
import AppVault
@testable import VaultAgent

private let agentUID: UInt32 = 1000
private let owner = PeerIdentity(uid: 1000, gid: 1000, pid: 10, executable: "/usr/bin/python3")
private let reader = PeerIdentity(uid: 1001, gid: 1001, pid: 11, executable: "/usr/local/bin/statements")
private let stranger = PeerIdentity(uid: 1002, gid: 1002, pid: 12, executable: "/usr/bin/curl")

@Suite("Agent policy")
struct PolicyTests {
    @Test("by default only the agent's own uid may connect, and it may do everything")
    func ownerOnlyDefault() {
        let policy = AgentPolicy.ownerOnly
        #expect(policy.allows(.connect, peer: owner, agentUID: agentUID))
        #expect(policy.allows(.administer("unlock"), peer: owner, agentUID: agentUID))
        #expect(policy.allows(.use(request: "redeem", account: "any", protocol: .smtp), peer: owner, agentUID: agentUID))
        #expect(!policy.allows(.connect, peer: stranger, agentUID: agentUID))
        #expect(!policy.allows(.use(request: "lease", account: "work", protocol: .imap), peer: stranger, agentUID: agentUID))
    }

    @Test("a rule grants one uid and executable named accounts and protocols, nothing else")
    func ruleGrantsNarrowly() {
        let policy = AgentPolicy(rules: [.init(uid: 1001, executable: "/usr/local/bin/statements",
                                               accounts: ["statements"], protocols: [.imap])])
        #expect(policy.allows(.connect, peer: reader, agentUID: agentUID))
        #expect(policy.allows(.use(request: "lease", account: "statements", protocol: .imap), peer: reader, agentUID: agentUID))
        #expect(!policy.allows(.use(request: "lease", account: "statements", protocol: .smtp), peer: reader, agentUID: agentUID))
        #expect(!policy.allows(.use(request: "lease", account: "payroll", protocol: .imap), peer: reader, agentUID: agentUID))
        #expect(!policy.allows(.administer("unlock"), peer: reader, agentUID: agentUID))
        var otherExe = reader
        otherExe.executable = "/usr/bin/python3"
        #expect(!policy.allows(.connect, peer: otherExe, agentUID: agentUID))
        var unknownExe = reader
        unknownExe.executable = nil
        #expect(!policy.allows(.connect, peer: unknownExe, agentUID: agentUID))
    }

    @Test("a wildcard rule without exe allows every account of that uid; admin allows unlock")
    func wildcardAndAdmin() {
        let policy = AgentPolicy(trustOwnUID: false, rules: [.init(uid: 1001, accounts: ["*"], admin: true)])
        #expect(policy.allows(.use(request: "redeem", account: "anything", protocol: .smtp), peer: reader, agentUID: agentUID))
        #expect(policy.allows(.administer("list-leases"), peer: reader, agentUID: agentUID))
        #expect(!policy.allows(.connect, peer: owner, agentUID: agentUID), "trust_own_uid = false removes the owner's blanket access")
    }

    @Test("the policy file is parsed, and unknown keys or wrong types are refused")
    func policyFile() throws {
        let policy = try AgentPolicy.parse("""
            trust_own_uid = false
            [[rule]]
            uid = 1001
            exe = "/usr/local/bin/statements"
            accounts = ["statements", "billing"]
            protocols = ["imap"]

            [[rule]]
            uid = 1002
            accounts = ["*"]
            admin = true
            """)
        #expect(policy == AgentPolicy(trustOwnUID: false, rules: [
            .init(uid: 1001, executable: "/usr/local/bin/statements", accounts: ["statements", "billing"], protocols: [.imap]),
            .init(uid: 1002, accounts: ["*"], admin: true),
        ]))
        for bad in [
            "trust_own_uid = 1",
            "[[rule]]\nuid = 1\naccounts = [\"a\"]\nacounts = [\"b\"]",
            "[[rule]]\nuid = -1\naccounts = [\"a\"]",
            "[[rule]]\nuid = 1",
            "[[rule]]\nuid = 1\naccounts = [\"a\"]\nprotocols = [\"pop3\"]",
            "[[rule]]\nuid = 1\naccounts = [\"a\"]\nexe = \"relative/path\"",
            "owner = true",
            "[[rule]\n",
        ] {
            #expect(throws: AgentError.self, "\(bad)") { try AgentPolicy.parse(bad) }
        }
    }

    @Test("the shipped example policy parses")
    func examplePolicyParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let policy = try AgentPolicy.load(path: root.appendingPathComponent("Vault/agent-policy.example.toml").path)
        #expect(policy.trustOwnUID && policy.rules.count == 3)
        #expect(policy.rules[0] == .init(uid: 1001, executable: "/usr/local/bin/appvault", accounts: ["statements"], protocols: [.imap]))
    }

    @Test("idle-lock durations are read as people write them")
    func durations() throws {
        #expect(try DurationText.parse("15m") == .seconds(900))
        #expect(try DurationText.parse("90") == .seconds(90))
        #expect(try DurationText.parse("90s") == .seconds(90))
        #expect(try DurationText.parse("2h") == .seconds(7200))
        #expect(try DurationText.parse("1d") == .seconds(86_400))
        #expect(try DurationText.parse("off") == nil)
        #expect(try DurationText.parse("0") == nil)
        for bad in ["", "m", "-5m", "5x", "1.5h", "99999d"] {
            #expect(throws: DurationTextError.self) { try DurationText.parse(bad) }
        }
    }

    @Test("the default socket path follows the documented order")
    func defaultSocketPath() {
        #expect(SocketLocation.defaultPath(environment: ["APPVAULT_AGENT_SOCK": "/x/a.sock", "XDG_RUNTIME_DIR": "/run/user/1"], uid: 1) == "/x/a.sock")
        #expect(SocketLocation.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1"], uid: 1) == "/run/user/1/appvault/agent.sock")
        #expect(SocketLocation.defaultPath(environment: [:], uid: 7) == "/tmp/appvault-7/agent.sock")
    }
}
