import Foundation
import Glibc
import Testing
import TestSupport
import AppVault
@testable import VaultAgent
import VaultCrypto

private func randomText(_ prefix: String) -> String {
    prefix + SecureRandom.bytes(12).map { String(format: "%02x", $0) }.joined()
}

@Suite("A real agent process", .serialized)
struct AgentProcessTests {
    @Test("after unlock, grants and tokens, neither the passphrase nor the app password is in the agent's memory",
          .enabled(if: getuid() == 0, "reading a non-dumpable process's memory needs root (CAP_SYS_PTRACE)"))
    func noPlaintextLeftInMemory() throws {
        let passphrase = randomText("pass-")
        let secret = randomText("Secret-")
        let agent = try AgentProcess(passphrase: passphrase, secret: secret)

        // Positive control: the scanner reads the agent's memory although it set PR_SET_DUMPABLE 0.
        #expect(try ProcessMemory.occurrences(of: Array(agent.socketPath.utf8), inProcess: agent.pid) > 0)

        try agent.client.unlock(passphrase: secure(passphrase))
        _ = try agent.client.grantLogin(account: "work", for: .imap) { lease, _ in lease }
        _ = try agent.client.addToken(account: "work", client: "scan", protocols: [.imap], expiresIn: nil) { token, _ in token }
        _ = try agent.client.accounts()

        #expect(try ProcessMemory.occurrences(of: Array(passphrase.utf8), inProcess: getpid()) > 0,
                "control: the scanner finds the passphrase in this test process, which holds it")
        #expect(try ProcessMemory.occurrences(of: Array(secret.utf8), inProcess: agent.pid) == 0,
                "the app password is in the agent's memory")
        #expect(try ProcessMemory.occurrences(of: Array(passphrase.utf8), inProcess: agent.pid) == 0,
                "the vault passphrase is still in the agent's memory")
        #expect(agent.stop() == 0)
        let log = agent.log()
        let leaked = log.contains(secret) || log.contains(passphrase)
        #expect(!leaked, "no secret in the agent's output")
        #expect(log.contains("dumpable=false"))
    }

    @Test("the CLI drives a real agent: status, unlock, list, lease grant, leases, lease revoke, tokens, lock; SIGTERM removes the socket")
    func cliAgainstRealAgent() throws {
        let agent = try AgentProcess(passphrase: randomText("pass-"), secret: randomText("Secret-"),
                                     extraArguments: ["--idle-lock", "10m"])
        let socket = ["--socket", agent.socketPath]
        let vault = ["--vault", agent.vaultPath]
        func cli(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try runProgram(appvaultExecutable, arguments, environment: ["APPVAULT_LOG_LEVEL": "error", "HOME": agent.folder.path])
        }
        var result = try cli(["agent", "status"] + socket)
        #expect(result.status == 0 && result.output.contains("vault locked") && result.output.contains("idle lock 600s"))
        result = try cli(["unlock", "--passphrase-file", agent.passphraseFile] + socket + vault)
        #expect(result.status == 0, "\(result.output)")
        result = try cli(["list"] + socket + vault)
        #expect(result.status == 0 && result.output.contains("work@example.com"), "list through the agent needs no passphrase: \(result.output)")
        result = try cli(["lease", "grant", "work", "--protocol", "smtp"] + socket + vault)
        #expect(result.status == 0 && result.output.contains("avl-"), "\(result.output)")
        let lease = try #require(try agent.client.liveLeases().first)
        result = try cli(["leases", "--json"] + socket)
        #expect(result.status == 0 && result.output.contains(lease.id) && !result.output.contains("avl-"))
        result = try cli(["lease", "revoke", lease.id] + socket)
        #expect(result.status == 0, "\(result.output)")
        #expect(try agent.client.liveLeases().isEmpty)
        result = try cli(["lease", "revoke", "0011223344556677"] + socket)
        #expect(result.status == 4)
        result = try cli(["token", "add", "work", "--client", "cron job", "--protocol", "imap", "--expires", "90d"] + socket + vault)
        #expect(result.status == 0 && result.output.contains("avt-"), "\(result.output)")
        result = try cli(["token", "list", "--json"] + socket + vault)
        let token = try #require(try agent.client.tokens().first)
        #expect(result.status == 0 && result.output.contains(token.id) && !result.output.contains("avt-"))
        result = try cli(["token", "revoke", token.id] + socket + vault)
        #expect(try result.status == 0 && agent.client.tokens().isEmpty)
        result = try cli(["lock"] + socket)
        #expect(result.status == 0)
        #expect(try !agent.client.status().unlocked)

        let garbage = try RawConnection(agent.socketPath)
        garbage.send(Array(repeating: 0xFF, count: 64))
        #expect(garbage.readReply()?.failureCode == .frameTooLarge)
        #expect(try agent.client.status().pid == UInt32(agent.pid))

        #expect(agent.stop() == 0)
        #expect(access(agent.socketPath, F_OK) != 0, "the socket is removed on SIGTERM")
        result = try cli(["agent", "status"] + socket)
        #expect(result.status == 14 && result.output.contains("no agent is running"))
    }
}
