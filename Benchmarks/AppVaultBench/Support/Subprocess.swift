import Foundation
import Glibc
import Synchronization

/// Runs a command without a shell (`posix_spawn`), for process round-trip timing and child probes.
enum Subprocess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `arguments` with `environment` added to ours; returns stdout (when `capture`) and the
    /// wall time from spawn to exit in nanoseconds. Stdin is /dev/null; stderr is inherited unless `quiet`.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], capture: Bool = false,
                    quiet: Bool = false) throws
        -> (output: String, nanoseconds: Double)
    {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envStrings = merged.map { "\($0.key)=\($0.value)" }

        var pipeEnds: [Int32] = [-1, -1]
        if capture { guard pipe(&pipeEnds) == 0 else { throw Failure(description: "pipe failed") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        if capture {
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }

        let start = monotonicNanoseconds()
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(envStrings) { envp in posix_spawnp(&pid, argv[0]!, &actions, nil, argv, envp) }
        }
        guard status == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        var output = [UInt8]()
        if capture {
            close(pipeEnds[1])
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = read(pipeEnds[0], &buffer, buffer.count)
                if got <= 0 { break }
                output += buffer[0..<got]
            }
            close(pipeEnds[0])
        }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        let elapsed = Double(monotonicNanoseconds() - start)
        guard exitStatus == 0 else {
            throw Failure(description: "\(arguments.prefix(2).joined(separator: " ")) exited with status \(exitStatus)")
        }
        return (String(decoding: output, as: UTF8.self), elapsed)
    }

    /// Starts `arguments` in the background with stdin, stdout and stderr on /dev/null; returns its pid.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> pid_t {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envStrings = merged.map { "\($0.key)=\($0.value)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(envStrings) { envp in posix_spawnp(&pid, argv[0]!, &actions, nil, argv, envp) }
        }
        guard status == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Sends SIGTERM to a process this benchmark started and waits for it to exit.
    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Runs every command at once (one thread each, stderr discarded) and returns their outputs in
    /// order; throws the first failure after all have ended.
    static func runConcurrently(_ commands: [[String]]) throws -> [String] {
        let outputs = Mutex<[Result<String, Failure>?]>(Array(repeating: nil, count: commands.count))
        let done = DispatchGroup()
        for (index, command) in commands.enumerated() {
            done.enter()
            // A thread each, not concurrentPerform: that runs only as many at once as there are cores.
            Thread.detachNewThread {
                let result: Result<String, Failure>
                do { result = .success(try run(command, capture: true, quiet: true).output) } catch {
                    result = .failure(error as? Failure ?? Failure(description: "\(error)"))
                }
                outputs.withLock { $0[index] = result }
                done.leave()
            }
        }
        done.wait()
        return try outputs.withLock { $0 }.map { try $0!.get() }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

/// The path of the running executable, so the benchmark can start probes of itself.
func selfExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
}
