import AppVault
import Foundation
import Glibc
import Testing
import TestSupport

@Suite("Crash at any instant: the agent")
struct AgentCrashTests {
    @Test("an agent SIGKILLed while granting leases leaves the vault intact, and a new one starts on its socket")
    func killAgentWhileServing() throws {
        let vault = try KeyFileVault()
        defer { vault.cli.cleanUp() }
        #expect(try vault.run(KeyFileVault.customAccount("work"), stdin: "secret-start").status == 0)
        var environment = vault.environment
        environment["APPVAULT_AGENT_SOCK"] = vault.cli.folder + "/agent/agent.sock"
        let cases = iterations("APPVAULT_AGENT_CRASH_ITERATIONS", short: 8)
        var grantsDuringKill = 0
        for index in 0..<cases {
            let agent = try vault.cli.spawn(["agent", "--idle-lock", "off"], environment: environment)
            var up = false
            for _ in 0..<100 where !up {
                up = try vault.cli.run(["agent", "status"], environment: environment).status == 0
                if !up { usleep(50_000) }
            }
            #expect(up, "case \(index): the agent did not start on the socket the killed one left")
            #expect(try vault.cli.run(["unlock"], environment: environment).status == 0)
            let clients = try (0..<3).map { _ in
                try vault.cli.spawn(["lease", "grant", "work", "--protocol", "imap"], environment: environment)
            }
            usleep(UInt32.random(in: 0...150_000))
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
            grantsDuringKill += clients.filter(\.isRunning).count
            clients.forEach { $0.waitUntilExit() }

            let handle = try vault.open()
            let audit = try handle.verifyAudit()
            #expect(audit.isIntact, "case \(index): \(audit.problems)")
            #expect(try handle.secretMatches("work", "secret-start"))
            for lease in try handle.liveLeases() { try handle.revokeLease(id: lease.id) }
        }
        report("agent crash | \(cases) agents SIGKILLed at a random instant while 3 clients each asked for a lease (\(grantsDuringKill) requests in flight at the kill) | vault opened, audit chain intact, secret unchanged, a new agent took over the socket every time")
    }
}
