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

/// Searches a live process's readable memory for a byte string (/proc/PID/maps + /proc/PID/mem).
enum MemoryScan {
    enum Failure: Error { case cannotOpen(Int32) }

    /// How many times `needle` occurs in the readable mappings of process `pid`.
    static func occurrences(of needle: [UInt8], inProcess pid: Int32) throws -> Int {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let fd = open("/proc/\(pid)/mem", O_RDONLY)
        guard fd >= 0 else { throw Failure.cannotOpen(errno) }
        defer { close(fd) }
        var found = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("r") else { continue }
            if line.hasSuffix("[vvar]") || line.hasSuffix("[vsyscall]") || line.hasSuffix("[vvar_vclock]") { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard bounds.count == 2 else { continue }
            var start = bounds[0]
            let chunk = 1 << 20
            var carry: [UInt8] = []
            while start < bounds[1] {
                let length = Int(min(UInt64(chunk), bounds[1] - start))
                var buffer = [UInt8](repeating: 0, count: length)
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(Int64(bitPattern: start))) }
                if got <= 0 { break }
                let window = carry + buffer[0..<got]
                found += count(needle, in: window)
                carry = Array(window.suffix(needle.count - 1))
                start += UInt64(got)
            }
        }
        return found
    }

    private static func count(_ needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard let first = needle.first, haystack.count >= needle.count else { return 0 }
        var hits = 0
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, Array(haystack[index..<(index + needle.count)]) == needle { hits += 1 }
            index += 1
        }
        return hits
    }
}
