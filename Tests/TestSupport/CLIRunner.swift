public import Foundation
import Glibc

/// Runs the built `appvault` binary as a user would, capturing everything it prints.
public struct CLIRunner: Sendable {
    /// What a finished process printed and its exit status.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// True when the process died of a signal (a trap or crash), not by exiting.
        public let crashed: Bool
        public var all: String { stdout + stderr }

        public init(status: Int32, stdout: String, stderr: String, crashed: Bool) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
            self.crashed = crashed
        }
    }

    /// The `appvault` executable next to the test bundle (`swift build --build-tests` builds both).
    public static let executable: String = {
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var folder = URL(fileURLWithPath: selfPath).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("appvault").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return "appvault-binary-not-built: run `swift build --build-tests` first"
    }()

    public let folder: String
    public var environment: [String: String]

    /// A runner with its own vault path and passphrase file in a fresh private folder.
    public init(passphrase: String = "correct horse battery") {
        var template = Array("/tmp/appvault-cli-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let passphraseFile = folder + "/passphrase"
        _ = FileManager.default.createFile(atPath: passphraseFile, contents: Data((passphrase + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
        environment = [
            "PATH": "/usr/bin:/bin", "HOME": folder,
            "APPVAULT_VAULT": folder + "/vault/vault.db",
            "APPVAULT_PASSPHRASE_FILE": passphraseFile,
        ]
    }

    public var vaultPath: String { environment["APPVAULT_VAULT"]! }

    @discardableResult
    public func writeFile(_ name: String, _ contents: String, mode: Int = 0o600) -> String {
        let path = folder + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: mode])
        return path
    }

    /// Runs the binary (or `executable`, such as a shell that execs it) with `arguments`.
    @discardableResult
    /// Runs `appvault ARGUMENTS` (or `executable ARGUMENTS`) with this runner's environment.
    public func run(_ arguments: [String], stdin: Data = Data(), environment extra: [String: String] = [:],
                    executable: String? = nil) throws -> Result {
        try Self.capture([executable ?? Self.executable] + arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Runs `command` (an absolute executable first) to its end with `stdin` as its input,
    /// capturing what it prints.
    public static func capture(_ command: [String], environment: [String: String], stdin: Data = Data()) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(stdin); try? input.fileHandleForWriting.close() }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self), crashed: process.terminationReason == .uncaughtSignal)
    }

    /// A loopback TCP port nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else { throw MailTestServers.Unavailable(description: "no free TCP port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the binary without waiting, for tests that kill it part-way.
    public func spawn(_ arguments: [String], stdin: Data = Data(), environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.environment = environment.merging(extra) { $1 }
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(stdin)
        try? input.fileHandleForWriting.close()
        return process
    }

    /// `init` with the cheapest named strength, as tests check behaviour, not cost.
    public func initVault() throws {
        let result = try run(["init", "--kdf", "interactive"])
        precondition(result.status == 0, "init failed: \(result.all)")
    }

    public func cleanUp() { _ = try? FileManager.default.removeItem(atPath: folder) }
}
