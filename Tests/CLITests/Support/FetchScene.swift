import Foundation
import Glibc
import TestSupport

/// A vault with one account whose mailbox user is new for each scene (`prefix-` and six random
/// characters, with a random password on the test servers: its mailboxes start empty and UIDs at
/// 1), no agent, and tools to put mail into the mailbox the way another client would: Python's
/// imaplib (APPEND with a date and flags, DELETE and CREATE).
final class FetchScene {
    let cli: CLIRunner
    /// The account's name in the vault, and the local part of its address.
    let account: String
    let address: String
    let password: String

    init(user prefix: String, addArguments: [String] = []) throws {
        let user = prefix + "-" + UUID().uuidString.prefix(6).lowercased()
        cli = try CLIRunner.forMail(agentSocket: "no-agent.sock")
        account = user
        address = user + "@example.test"
        password = try cli.addMailAccount(user, arguments: addArguments)
    }

    deinit { cli.cleanUp() }

    /// `appvault fetch ACCOUNT arguments...`.
    func fetch(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Result {
        try cli.run(["fetch", account] + arguments, environment: environment)
    }

    /// The mailbox, changed with imaplib.
    var mailboxes: MailboxTool { MailboxTool(cli: cli, address: address, password: password) }

    /// APPENDs `message` to `mailbox` with an INTERNALDATE (`27-Nov-2026 10:00:00 +0000`) and flags; its UID.
    @discardableResult
    func append(_ message: [UInt8], to mailbox: String = "INBOX", date: String? = nil, flags: [String] = []) throws -> UInt32 {
        try mailboxes.append(message, to: mailbox, date: date, flags: flags)
    }

    /// DELETEs and CREATEs `mailbox`: the server gives it a new UIDVALIDITY.
    func recreate(_ mailbox: String) throws -> (old: Int, new: Int) { try mailboxes.recreate(mailbox) }

    /// Kicks the mailbox user's sessions off Dovecot (an upstream drop).
    func kick() throws -> Bool { try MailTestServers.kick(user: address) }

    /// Dovecot's log lines about this scene's user.
    func dovecotLog() throws -> [String] {
        let text = (try? String(contentsOfFile: try MailTestServers.directory() + "/dovecot.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.contains(address) }
    }

    /// Runs `appvault arguments...` with files limited to `kibibytes` (RLIMIT_FSIZE, SIGXFSZ
    /// ignored, so a write past it fails with EFBIG as on a full disk).
    func run(withFileSizeLimitKiB kibibytes: Int, _ arguments: [String]) throws -> CLIRunner.Result {
        try cli.run(["-c", "ulimit -f \(kibibytes) && trap '' XFSZ && exec \"$0\" \"$@\"", CLIRunner.executable] + arguments,
                    executable: "/bin/bash")
    }

    /// The names in `folder`, sorted.
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// The bytes of the file at `path` (empty when missing).
    static func bytes(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
    }
}

/// An `appvault` process left running (`fetch --follow`), its output going to files that the
/// test reads while it runs.
final class RunningCommand {
    let process: Process
    let stdoutPath: String
    let stderrPath: String

    init(_ cli: CLIRunner, _ arguments: [String], environment: [String: String] = [:]) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutPath = cli.folder + "/run-\(id).out"
        stderrPath = cli.folder + "/run-\(id).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = arguments
        process.environment = cli.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for `condition`; whether it became true.
    @discardableResult
    func waitFor(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    /// Sends `signal` and waits for the exit; the exit status (128 + n when killed by a signal).
    func stop(_ signal: Int32 = SIGINT, within seconds: Double = 10) -> Int32 {
        kill(process.processIdentifier, signal)
        _ = waitFor(seconds) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Waits for the process to end by itself; its exit status, or nil if still running after `seconds`.
    func exitStatus(within seconds: Double) -> Int32? {
        guard waitFor(seconds, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }
}
