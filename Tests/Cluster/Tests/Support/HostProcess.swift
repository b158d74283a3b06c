import Foundation
import Glibc

/// A process started in one of the cluster's hosts (a network namespace), talked to line by line
/// over pipes; its standard error goes to a log file. Killed (SIGKILL) when it goes away unless
/// it was stopped before.
final class HostProcess: @unchecked Sendable {
    /// Why a reply did not come.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    let name: String
    let logPath: String
    private let input: Int32
    private let output: Int32
    private var buffer = [UInt8]()
    private var exited = false

    /// Starts `arguments` (an absolute executable first) in namespace `namespace` (nil: here).
    init(name: String, namespace: String?, _ arguments: [String], environment: [String: String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
        let command = (namespace.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? []) + arguments
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let status = posix_spawn(&child, command[0], &actions, nil, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw Failure(description: "cannot start \(command[0]): \(String(cString: strerror(status)))")
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        Glibc.signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        if !exited { kill(pid, SIGKILL); _ = wait() }
        close(input)
        close(output)
    }

    /// Sends one line.
    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "\(name): cannot write (\(String(cString: strerror(errno))))") }
            offset += written
        }
    }

    /// The next line it prints, within `timeout`.
    func readLine(timeout: Duration = .seconds(30)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Failure(description: "\(name): no reply within \(timeout); log: \(log())") }
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&descriptor, 1, milliseconds) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(output, &chunk, chunk.count)
            guard count > 0 else { throw Failure(description: "\(name) ended; log: \(log())") }
            buffer += chunk[..<count]
        }
    }

    /// Sends `line` and returns the reply line.
    func ask(_ line: String, timeout: Duration = .seconds(30)) throws -> String {
        try send(line)
        return try readLine(timeout: timeout)
    }

    /// Sends `line` and returns the words after "ok"; throws with the reply otherwise.
    func expectOK(_ line: String, timeout: Duration = .seconds(30)) throws -> [String] {
        let answer = try ask(line, timeout: timeout)
        guard answer.hasPrefix("ok") else { throw Failure(description: "\(name): '\(line.prefix(60))' answered '\(answer)'") }
        return answer.split(separator: " ").dropFirst().map(String.init)
    }

    /// Sends a signal.
    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for it to end; its exit status, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exited = true
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Whether it still runs.
    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true; return false }
        return true
    }

    /// What it wrote on standard error.
    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
