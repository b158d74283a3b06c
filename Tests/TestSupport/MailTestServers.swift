import Foundation
import Glibc

/// The real mail servers of scripts/testservers: found through `APPVAULT_TEST_SERVERS` (set by
/// `make test`) or, when that is not set, started with `scripts/testservers/start.sh`.
public enum MailTestServers {
    /// Why the servers could not be found or started, and how to start them.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The port the servers really use for documented port `base` (start.sh may shift them all
    /// by `APPVAULT_TEST_PORT_OFFSET`).
    public static func port(_ base: Int) throws -> Int { base + (try offset.get()) }

    private static let offset: Result<Int, Unavailable> = {
        do {
            let text = try String(contentsOfFile: try directory() + "/port-offset", encoding: .utf8)
            guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                return .failure(Unavailable(description: "port-offset in the test server folder is not a number"))
            }
            return .success(value)
        } catch let error as Unavailable {
            return .failure(error)
        } catch {
            return .failure(Unavailable(description: "the test server folder has no port-offset; restart the servers with scripts/testservers/start.sh"))
        }
    }()

    /// The state folder (ca.pem, passwd, logs).
    public static func directory() throws -> String { try located.get() }

    private static let located: Result<String, Unavailable> = {
        if let dir = ProcessInfo.processInfo.environment["APPVAULT_TEST_SERVERS"], !dir.isEmpty {
            guard FileManager.default.fileExists(atPath: dir + "/ca.pem") else {
                return .failure(Unavailable(description: "APPVAULT_TEST_SERVERS=\(dir) has no ca.pem; run `eval \"$(scripts/testservers/start.sh)\"`"))
            }
            return .success(dir)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/testservers/start.sh")
        // The script's output goes to a file, not a pipe: the servers it starts outlive it, and a
        // pipe they inherited would never reach end-of-file.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("appvault-start-\(UUID().uuidString).out").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            return .failure(Unavailable(description: "cannot create \(outputPath)"))
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        process.standardOutput = output
        do { try process.run() } catch {
            return .failure(Unavailable(description: "cannot run \(script.path): \(error); start the servers with `eval \"$(scripts/testservers/start.sh)\"`"))
        }
        process.waitUntilExit()
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("export APPVAULT_TEST_SERVERS=") })
        else {
            return .failure(Unavailable(description: "scripts/testservers/start.sh failed (status \(process.terminationStatus)); run it by hand to see why"))
        }
        return .success(String(line.dropFirst("export APPVAULT_TEST_SERVERS=".count)))
    }()

    /// Replaces `user`'s password in the servers' passwd-file, atomically and under a file lock,
    /// so concurrent tests changing different users never lose each other's change.
    public static func setPassword(user: String, to password: String) throws {
        let path = try directory() + "/passwd"
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else { throw Unavailable(description: "cannot lock \(path)") }
        defer { flock(lock, LOCK_UN); close(lock) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.removeAll { $0.hasPrefix(user + ":") }
        lines.append("\(user):{PLAIN}\(password)::::::")
        let temporary = path + ".\(UUID().uuidString)"
        try (lines.joined(separator: "\n") + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: temporary)
        guard rename(temporary, path) == 0 else { throw Unavailable(description: "cannot replace \(path)") }
        // Dovecot looks at the passwd-file at most once per second; let that second pass.
        Thread.sleep(forTimeInterval: 1.1)
    }

    /// Ends every Dovecot session of `user` with `doveadm kick` (an upstream drop), asking again
    /// every 250 ms until Dovecot reports a session kicked or `deadline` passes: a session that
    /// has just logged in may not be known to Dovecot's session tracking yet, and a busy machine
    /// delays it. True when a session was kicked.
    @discardableResult
    public static func kick(user: String, deadline: Duration = .seconds(8)) throws -> Bool {
        let configuration = try directory() + "/dovecot.conf"
        let end = ContinuousClock.now + deadline
        repeat {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/doveadm")
            process.arguments = ["-c", configuration, "kick", user]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            // doveadm kick exits 0 when it kicked a session and 68 ("No users kicked") otherwise.
            if process.terminationStatus == 0 { return true }
            usleep(250_000)
        } while ContinuousClock.now < end
        return false
    }
}
