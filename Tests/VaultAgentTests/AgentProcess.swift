import TestSupport
import Foundation
import Glibc
import AppVault
@testable import VaultAgent
import VaultCrypto

/// A real `appvault agent` process on a temporary vault and socket, stopped with SIGTERM.
final class AgentProcess {
    let folder = TemporaryFolder()
    let process = Process()
    let output = Pipe()
    let passphrase: String
    let secret: String

    var vaultPath: String { folder.file("vault.db") }
    var socketPath: String { folder.file("run/agent.sock") }
    var passphraseFile: String { folder.file("passphrase") }
    var client: AgentClient { AgentClient(socketPath: socketPath, replyTimeout: .seconds(20)) }
    var pid: Int32 { process.processIdentifier }

    /// Creates a vault with account `work` whose password is `secret`, then starts the agent.
    init(passphrase: String, secret: String, extraArguments: [String] = []) throws {
        self.passphrase = passphrase
        self.secret = secret
        let vault = try Vault.create(at: folder.file("vault.db"), credential: .passphrase(secure(passphrase)), kdf: fastKDF)
        try vault.addAccount(
            AccountSpec(name: "work", email: "work@example.com", provider: "custom",
                        imap: ServerEndpoint(parsing: "imap.example.com:993"),
                        smtp: ServerEndpoint(parsing: "smtp.example.com:465")),
            secret: secure(secret))
        vault.lock()
        _ = FileManager.default.createFile(atPath: passphraseFile, contents: Data((passphrase + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
        process.executableURL = URL(fileURLWithPath: appvaultExecutable)
        process.arguments = ["agent", "--vault", folder.file("vault.db"), "--socket", folder.file("run/agent.sock")] + extraArguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "APPVAULT_LOG_LEVEL": "info"]
        _ = FileManager.default.createFile(atPath: folder.file("passphrase"), contents: Data((passphrase + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while (try? client.status()) == nil {
            guard process.isRunning, Date() < deadline else {
                throw AgentError.notRunning("agent process did not start: \(log())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops the agent with SIGTERM and returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Everything the agent printed (call after ``stop()``).
    func log() -> String {
        String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    }

    deinit { stop() }
}

