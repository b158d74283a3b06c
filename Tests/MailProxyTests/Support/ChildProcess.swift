import Foundation
import Glibc

/// A client program (Python, curl, openssl) run by a test: standard input written by the test
/// (credentials go there, never into argv or the environment), standard output read line by
/// line with time-outs, standard error kept for failure messages.
final class ChildProcess {
    /// Why a client program failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    private var input: Int32
    private let output: Int32
    private let errors: Int32
    private var buffered: [UInt8] = []
    private var exitStatus: Int32?

    /// Starts `arguments` (looked up in PATH).
    init(_ arguments: [String]) throws {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        // Socket pairs made close-on-exec atomically, so a child another test starts at the same
        // moment does not inherit them.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &inPipe) == 0, socketpair(AF_UNIX, type, 0, &outPipe) == 0,
              socketpair(AF_UNIX, type, 0, &errPipe) == 0 else {
            throw Failure(description: "socketpair failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, argv[0]!, &actions, nil, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        self.pid = pid
        input = inPipe[1]
        output = outPipe[0]
        errors = errPipe[0]
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = wait(timeout: .seconds(5))
        }
        if input >= 0 { close(input) }
        close(output)
        close(errors)
    }

    /// Writes `text` to standard input (and closes it when `end`).
    func send(_ text: String, end: Bool = true) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
        if end {
            close(input)
            input = -1
        }
    }

    /// The next line of standard output, or nil at its end or after `timeout`.
    func readLine(timeout: Duration = .seconds(30)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let left = deadline - .now
            guard left > .zero else { return nil }
            var entry = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(left.components.seconds * 1000 + 10)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(output, &chunk, chunk.count)
            if count <= 0 {
                guard !buffered.isEmpty else { return nil }
                defer { buffered.removeAll() }
                return String(decoding: buffered, as: UTF8.self)
            }
            buffered += chunk[..<count]
        }
    }

    /// All remaining standard output.
    func readAll(timeout: Duration = .seconds(60)) -> String {
        var lines: [String] = []
        let deadline = ContinuousClock.now + timeout
        while let line = readLine(timeout: deadline - .now) { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// Standard error so far (after the process ended).
    func errorText() -> String {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        _ = fcntl(errors, F_SETFL, fcntl(errors, F_GETFL) | O_NONBLOCK)
        while true {
            let count = read(errors, &chunk, chunk.count)
            if count <= 0 { break }
            all += chunk[..<count]
        }
        return String(decoding: all, as: UTF8.self)
    }

    /// Waits for the exit status (nil after `timeout`).
    func wait(timeout: Duration = .seconds(60)) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                return exitStatus
            }
            usleep(5_000)
        }
        return nil
    }

    /// Runs `arguments` with `stdin` to the end; returns standard output, or throws with the
    /// exit status and standard error.
    static func run(_ arguments: [String], stdin: String = "", timeout: Duration = .seconds(60)) throws -> String {
        let child = try ChildProcess(arguments)
        child.send(stdin)
        let output = child.readAll(timeout: timeout)
        guard let status = child.wait(timeout: .seconds(5)) else {
            throw Failure(description: "\(arguments[0]) did not finish in \(timeout)")
        }
        guard status == 0 else {
            throw Failure(description: "\(arguments.prefix(2).joined(separator: " ")) exited with \(status): \(child.errorText().suffix(2000)) \(output.suffix(1000))")
        }
        return output
    }

    /// The path of a script in Tests/MailProxyTests/Scripts.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/\(name)").path
    }
}
