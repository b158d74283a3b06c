import Foundation
import Glibc
import TestSupport

/// A running `appvault agent` with IMAP and SMTP endpoints in front of the test Dovecot and SMTP
/// servers, one account whose mailbox user is unique to the scene, and one client token.
final class AgentEndpointScene {
    let cli: CLIRunner
    let agent: Process
    /// Where the agent's standard error goes (its log), for tests that read it.
    let agentLog: String
    let mailbox: String
    let password: String
    let token: String
    let tokenID: String
    let imapPort: Int
    let smtpPort: Int
    var imapSocket: String { cli.folder + "/agent/imap.sock" }
    var smtpSocket: String { cli.folder + "/agent/smtp.sock" }

    /// The Python mail clients nobody here wrote (imaplib, smtplib), shared with MailProxyTests.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("MailProxyTests/Scripts").path

    /// - Parameters:
    ///   - user: the mailbox's local part; a fresh password is set for it on the test servers.
    ///   - addArguments: extra `appvault add` flags (limits).
    ///   - agentArguments: extra `appvault agent` flags.
    ///   - unlock: whether to unlock the agent.
    init(user: String, addArguments: [String] = [], agentArguments: [String] = [], unlock: Bool = true,
         beforeAgent: (CLIRunner) throws -> Void = { _ in }, extraAgentArguments: () -> [String] = { [] }) throws {
        let cli = try CLIRunner.forMail(agentSocket: "agent/agent.sock")
        self.cli = cli
        mailbox = user + "@example.test"
        password = try cli.addMailAccount(user, arguments: addArguments)
        try beforeAgent(cli)
        imapPort = try CLIRunner.freePort()
        smtpPort = try CLIRunner.freePort()
        agentLog = cli.folder + "/agent.log"
        agent = try Self.start(cli, log: agentLog, arguments: [
            "agent", "--idle-lock", "10m", "--imap-listen", "127.0.0.1:\(imapPort)",
            "--smtp-listen", "127.0.0.1:\(smtpPort)",
        ] + agentArguments + extraAgentArguments())
        var status = try cli.run(["agent", "status"])
        for _ in 0..<100 where status.status != 0 && agent.isRunning {
            usleep(50_000)
            status = try cli.run(["agent", "status"])
        }
        guard status.status == 0 else {
            agent.terminate()
            throw SceneFailure("the agent did not start: \(status.all) \((try? String(contentsOfFile: agentLog, encoding: .utf8)) ?? "")")
        }
        if unlock {
            let unlocked = try cli.run(["unlock"])
            guard unlocked.status == 0 else { throw SceneFailure("unlock failed: \(unlocked.all)") }
        }
        // The token is issued by the agent when it is unlocked, else in-process with the passphrase.
        let issued = try cli.run(["token", "add", user, "--client", "test-client", "--json"])
        guard issued.status == 0,
              let object = try? JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any],
              let secret = object["token"] as? String, let id = object["id"] as? String
        else { throw SceneFailure("token add failed: \(issued.all)") }
        token = secret
        tokenID = id
    }

    deinit {
        if agent.isRunning {
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
        }
        cli.cleanUp()
    }

    /// Starts `appvault` with standard error to `log`.
    static func start(_ cli: CLIRunner, log: String, arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = arguments
        process.environment = cli.environment
        _ = FileManager.default.createFile(atPath: log, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Runs a Python client script with the credential on standard input.
    func python(_ script: String, _ arguments: [String], credential: String? = nil, as user: (uid: UInt32, gid: UInt32)? = nil) throws -> CLIRunner.Result {
        let command = ["/usr/bin/python3", Self.scripts + "/" + script] + arguments
        return try CLIRunner.capture(user.map { TestUsers.command(as: $0, command) } ?? command, environment: ["PATH": "/usr/bin:/bin"],
                                     stdin: Data(((credential ?? token) + "\n").utf8))
    }

    /// A Python client left running (IDLE), read line by line.
    func pythonRunning(_ script: String, _ arguments: [String]) throws -> RunningClient {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.scripts + "/" + script] + arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data((token + "\n").utf8))
        try? input.fileHandleForWriting.close()
        return RunningClient(process: process, output: output.fileHandleForReading)
    }

    /// Runs curl with `user` and the token in a config read from standard input, never argv.
    func curl(_ url: String, user: String) throws -> CLIRunner.Result {
        try CLIRunner.capture(["/usr/bin/curl", "--silent", "--show-error", "--max-time", "30", "--config", "-", url],
                              environment: ["PATH": "/usr/bin:/bin"], stdin: Data("user = \"\(user):\(token)\"\n".utf8))
    }

    /// Sends one message through the agent's SMTP endpoint with smtplib.
    func send(subject: String, bodyBytes: Int = 0, credential: String? = nil) throws -> CLIRunner.Result {
        try python("smtp_client.py", ["127.0.0.1", "\(smtpPort)", accountName, "PLAIN", mailbox, mailbox, subject, "", "\(bodyBytes)"],
                   credential: credential)
    }

    var accountName: String { String(mailbox.prefix { $0 != "@" }) }

    /// CLOCK_MONOTONIC in nanoseconds, the clock the Python clients stamp BYE lines with.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Everything the agent has logged so far.
    var log: String { (try? String(contentsOfFile: agentLog, encoding: .utf8)) ?? "" }
}

/// A client process whose standard output is read line by line.
final class RunningClient {
    let process: Process
    private let output: FileHandle
    private var buffered = Data()

    init(process: Process, output: FileHandle) {
        self.process = process
        self.output = output
    }

    /// The next line, or nil at end of output or after `timeout` seconds.
    func line(timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered = Data(buffered[(newline + 1)...])
                return line
            }
            var poller = pollfd(fd: output.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { return nil }
            if poller.revents != 0 {
                let chunk = output.availableData
                if chunk.isEmpty { return nil }
                buffered.append(chunk)
            }
        }
        return nil
    }

    /// The next line parsed as a JSON object.
    func json(timeout: Double = 20) -> [String: Any]? {
        line(timeout: timeout).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct SceneFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
