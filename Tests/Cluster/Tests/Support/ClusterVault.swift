import Foundation
import Glibc
import TestSupport
import VaultAgent

/// The passphrase of every cluster test vault (listed in Tests/test-secrets.txt).
let clusterPassphrase = "cluster test passphrase"

/// A vault in a fresh database on one server of the test cluster, and the hosts (network
/// namespaces) that use it: `appvault` commands, agents and ClusterHost processes started in
/// host 1, 2 or 3, each with its own rollback-anchor folder as separate machines would have.
final class ClusterVault: @unchecked Sendable {
    let folder: String
    let database: String
    /// The server the database was made on (its port).
    let port: Int
    /// The address every host uses: the servers over the virtual network, TLS, client certificate.
    let address: String
    private var processes: [HostProcess] = []

    /// A new database on the server at `port` (default: main's). `servers` lists the
    /// (address, port) pairs the hosts dial, in order (default: the first server address and
    /// `port`; two pairs make a libpq multi-host address).
    init(port: Int? = nil, servers: [(String, Int)]? = nil) throws {
        var template = Array("/tmp/appvault-cluster-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        self.port = try port ?? PostgresTestCluster.port()
        database = try PostgresTestCluster.createDatabase(port: self.port)
        let targets = try servers ?? [(PostgresTestCluster.setting("SERVER_ADDRESS"), self.port)]
        address = try PostgresTestCluster.connectionString(database: database, servers: targets, extra: "target_session_attrs=read-write")
        _ = FileManager.default.createFile(atPath: passphraseFile, contents: Data((clusterPassphrase + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
    }

    deinit {
        for process in processes where process.isRunning { process.signal(SIGKILL); process.wait() }
        PostgresTestCluster.dropDatabase(database, port: port)
        try? FileManager.default.removeItem(atPath: folder)
    }

    var passphraseFile: String { folder + "/passphrase" }

    /// The namespace of host `number` (1, 2 or 3).
    static func namespace(_ number: Int) throws -> String { try PostgresTestCluster.setting("NETNS_PREFIX") + "h\(number)" }

    /// The environment of appvault on host `number`.
    func environment(host number: Int) -> [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": folder, "APPVAULT_STORE": address, "APPVAULT_PASSPHRASE_FILE": passphraseFile,
         "APPVAULT_ANCHOR_DIR": folder + "/host\(number)-anchors", "APPVAULT_LOG_LEVEL": "info"]
    }

    /// Runs `appvault ARGUMENTS` on host `number` to its end.
    @discardableResult
    func appvault(host number: Int, _ arguments: [String], stdin: String = "") throws -> PostgresTestCluster.Output {
        try PostgresTestCluster.run("/usr/sbin/ip", ["netns", "exec", try Self.namespace(number), CLIRunner.executable] + arguments,
                                    stdin: Data(stdin.utf8), environment: environment(host: number))
    }

    /// `appvault init` and `add work` (a Gmail account whose password is `password`) on host 1.
    func create(password: String = "abcd efgh ijkl mnop") throws {
        let created = try appvault(host: 1, ["init", "--kdf", "interactive"])
        guard created.status == 0 else { throw HostProcess.Failure(description: "init: \(created.stderr)") }
        let added = try appvault(host: 1, ["add", "work", "--provider", "gmail", "--email", "work@gmail.com"], stdin: password + "\n")
        guard added.status == 0 else { throw HostProcess.Failure(description: "add: \(added.stderr)") }
    }

    /// A ClusterHost on host `number`, unlocked and ready.
    func host(_ number: Int, sessionTTL: Int = 120, retention: Int = 3600, maximumLive: Int = 64) throws -> HostProcess {
        let process = try HostProcess(
            name: "host \(number)", namespace: try Self.namespace(number),
            [try binary("ClusterHost"), "--store", address, "--passphrase-file", passphraseFile,
             "--anchors", folder + "/host\(number)-anchors", "--session-ttl", String(sessionTTL), "--retention", String(retention),
             "--max-live", String(maximumLive)],
            environment: environment(host: number), logPath: folder + "/host\(number).log")
        processes.append(process)
        let ready = try process.readLine()
        guard ready.hasPrefix("ok ready") else { throw HostProcess.Failure(description: "host \(number): \(ready)") }
        return process
    }

    /// An `appvault agent` on host `number` (with `arguments` added), unlocked with `appvault unlock` there, and a client
    /// of its socket.
    func agent(_ number: Int, arguments: [String] = []) throws -> (process: HostProcess, client: AgentClient) {
        let socket = folder + "/agent\(number)/agent.sock"
        let process = try HostProcess(
            name: "agent \(number)", namespace: try Self.namespace(number),
            [CLIRunner.executable, "agent", "--socket", socket, "--idle-lock", "off"] + arguments,
            environment: environment(host: number), logPath: folder + "/agent\(number).log")
        processes.append(process)
        let client = AgentClient(socketPath: socket, replyTimeout: .seconds(30))
        let deadline = ContinuousClock.now + .seconds(15)
        while (try? client.status()) == nil {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw HostProcess.Failure(description: "agent \(number) did not start: \(process.log())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let unlocked = try appvault(host: number, ["unlock", "--socket", socket])
        guard unlocked.status == 0 else { throw HostProcess.Failure(description: "unlock on host \(number): \(unlocked.stderr)") }
        return (process, client)
    }

    /// An executable built next to the test bundle.
    func binary(_ name: String) throws -> String {
        let path = (CLIRunner.executable as NSString).deletingLastPathComponent + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HostProcess.Failure(description: "\(path) is not built; run `swift build --build-tests`")
        }
        return path
    }
}
