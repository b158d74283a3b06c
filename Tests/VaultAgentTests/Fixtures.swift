import Foundation
import Glibc
import Logging
import Synchronization
import AppVault
import TestSupport
@testable import VaultAgent
import VaultCrypto

/// A private temporary folder, removed when the fixture goes away.
final class TemporaryFolder: Sendable {
    let path: String
    init() {
        var template = Array("/tmp/av-agent-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

let fastKDF = PasswordHash.minimum
let vaultPassphrase = "agent test passphrase"
/// The account's app password; tests check it never shows up where it must not.
let appPassword = "Sx9-kQ2_agent-test-appw0rd-7731"

func secure(_ text: String) throws -> SecureBytes { try SecureBytes(copying: Array(text.utf8)) }

func string(_ secret: borrowing SecureBytes) -> String {
    secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
}

/// A fake peer source: every connection appears to come from `peer`.
struct FixedPeer: PeerCredentialSource, ConnectedPeer {
    let peer: PeerIdentity
    var identity: PeerIdentity { peer }
    func identify(socket fd: Int32) throws(SystemError) -> any ConnectedPeer { self }
    func current() throws(AgentFailure) -> PeerIdentity { peer }
}

/// A vault with one account `work` (custom server, known password) and an agent serving it
/// in this process on a temporary socket.
final class AgentHarness: Sendable {
    let folder = TemporaryFolder()
    let vaultClock = ManualClock()
    let agentClock = ManualClock()
    let logs = LogCapture()
    let vault: Vault
    let server: AgentServer
    let socketPath: String
    let client: AgentClient

    var vaultPath: String { folder.file("vault.db") }

    init(policy: AgentPolicy = .ownerOnly, peer: PeerIdentity? = nil, idleLock: Duration? = .seconds(900),
         maxConnections: Int = 64, connectionIdleTimeout: Duration = .seconds(10),
         frameTimeout: Duration = .seconds(5), unlocked: Bool = true) throws {
        let path = folder.file("vault.db")
        let created = try Vault.create(at: path, credential: .passphrase(secure(vaultPassphrase)), kdf: fastKDF,
                                       configuration: VaultConfiguration(clock: vaultClock, actor: "test"))
        try created.addAccount(
            AccountSpec(name: "other", email: "other@example.com", provider: "custom",
                        imap: ServerEndpoint(parsing: "imap.example.com:993"),
                        smtp: ServerEndpoint(parsing: "smtp.example.com:465")),
            secret: secure("Other-account-appw0rd-1234"))
        try created.addAccount(
            AccountSpec(name: "work", email: "work@example.com", provider: "custom",
                        imap: ServerEndpoint(parsing: "imap.example.com:993"),
                        smtp: ServerEndpoint(parsing: "smtp.example.com:465")),
            secret: secure(appPassword))
        created.lock()
        vault = try Vault.open(at: path, configuration: VaultConfiguration(clock: vaultClock, logger: logs.logger(), actor: "agent"))
        if unlocked { try vault.unlock(with: .passphrase(secure(vaultPassphrase))) }
        socketPath = folder.file("run/agent.sock")
        let configuration = AgentConfiguration(
            socketPath: socketPath, idleLock: idleLock, policy: policy, maxConnections: maxConnections,
            connectionIdleTimeout: connectionIdleTimeout, frameTimeout: frameTimeout, clock: agentClock,
            hardenProcess: false)
        if let peer {
            server = try AgentServer(vault: vault, configuration: configuration, logger: logs.logger(), peers: FixedPeer(peer: peer))
        } else {
            server = try AgentServer(vault: vault, configuration: configuration, logger: logs.logger())
        }
        try server.start()
        client = AgentClient(socketPath: socketPath, replyTimeout: .seconds(10))
    }

    deinit {
        server.stop()
        server.wait()
    }
}

/// A raw client socket for sending arbitrary bytes.
final class RawConnection {
    let fd: Int32

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw SystemError("connect", path) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// A reply's request id and error code (nil for success).
    struct Reply: Equatable {
        var id: UInt32
        var failureCode: AgentErrorCode?
    }

    /// Reads one reply frame; nil when the agent closed the connection first.
    func readReply() -> Reply? {
        guard let prefix = read(4) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard let body = read(length), let frame = try? ResponseCodec.decode(frame: prefix + body) else { return nil }
        return Reply(id: frame.id, failureCode: frame.response.failureCode)
    }

    /// Reads one reply frame's body (after the length prefix) as raw bytes.
    func readRawReply() -> [UInt8]? {
        guard let prefix = read(4) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        return read(length)
    }

    /// Whether the agent has closed its end (reads end-of-file).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    private func read(_ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return buffer
    }
}

/// The failure a client call threw, or nil.
func refusal(_ body: () throws -> Void) -> AgentErrorCode? {
    do {
        try body()
        return nil
    } catch let AgentError.refused(failure) {
        return failure.code
    } catch AgentError.untrustedAgent {
        return .denied
    } catch let error as VaultError {
        return AgentErrorCode(error)
    } catch {
        return .internalError
    }
}

/// The whole frame bytes of an encoded request.
func frameBytes(_ request: consuming AgentRequest, id: UInt32 = 7) throws -> [UInt8] {
    let buffer = try RequestCodec.encode(RequestFrame(id: id, request: request))
    return buffer.withBytes { Array($0) }
}

/// The `appvault` executable next to the test bundle (`swift build --build-tests` builds both).
let appvaultExecutable = CLIRunner.executable

/// Runs a program and returns its exit status and combined output.
@discardableResult
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                stdin: String = "") throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let input = Pipe()
    process.standardInput = input
    try ExecutableCopy.run(process)
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
