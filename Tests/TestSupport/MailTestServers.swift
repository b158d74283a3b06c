public import Foundation
import Glibc

/// The real mail servers of scripts/testservers: found through `APPVAULT_TEST_SERVERS` (set by
/// `make test`) or, when that is not set, started with `scripts/testservers/start.sh`.
public enum MailTestServers {
    /// Why the servers could not be found or started, and how to start them.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch {
            return .failure(Unavailable(description: "cannot run \(script.path): \(error); start the servers with `eval \"$(scripts/testservers/start.sh)\"`"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
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
}
