public import Foundation
import Glibc

/// The PostgreSQL servers of scripts/testcluster: found through `APPVAULT_TEST_CLUSTER` (set by
/// `make test`) or, when that is not set, started with `scripts/testcluster/start.sh`.
///
/// Tests log in as the database user `appvault` with the test CA's client certificate over TLS
/// (the way a host does), and run SQL as the superuser `postgres` over the cluster's Unix socket
/// with `psql` (the way a database administrator or an attacker with the database does).
public enum PostgresTestCluster {
    /// Why the cluster could not be found or started.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// A finished `psql` or script run.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The state folder (certificates, `cluster.conf`, one folder per server).
    public static func directory() throws -> String { try located.get() }

    /// A setting of `cluster.conf`.
    public static func setting(_ name: String) throws -> String {
        guard let value = try settings.get()[name] else { throw Unavailable(description: "cluster.conf has no \(name)") }
        return value
    }

    /// The port of the always-running server `main`; the tests' own servers use the next ones up.
    public static func port(offset: Int = 0) throws -> Int {
        guard let base = Int(try setting("PORT_BASE")) else { throw Unavailable(description: "PORT_BASE is not a number") }
        return base + offset
    }

    /// Whether the three hosts (network namespaces) exist: the cluster was started as root.
    public static var hasHosts: Bool { (try? setting("NETNS")) == "yes" }

    /// A libpq connection string for `database` as user `appvault` with the client certificate,
    /// over TLS with `sslmode=verify-full` to `host` (default 127.0.0.1) on `port` (default main's).
    public static func connectionString(database: String, host: String = "127.0.0.1", port: Int? = nil,
                                        extra: String = "") throws -> String {
        try connectionString(database: database, servers: [(host, try port ?? self.port())], extra: extra)
    }

    /// The same for several servers (`host=a,b port=1,2`: libpq tries them in order).
    public static func connectionString(database: String, servers: [(String, Int)], extra: String = "") throws -> String {
        let folder = try directory()
        return "host=\(servers.map(\.0).joined(separator: ",")) port=\(servers.map { String($0.1) }.joined(separator: ",")) "
            + "dbname=\(database) user=appvault sslmode=verify-full sslrootcert=\(folder)/ca.pem "
            + "sslcert=\(folder)/client.pem sslkey=\(folder)/client.key" + (extra.isEmpty ? "" : " " + extra)
    }

    /// Creates an empty database owned by `appvault` on the server at `port`; returns its name.
    public static func createDatabase(port: Int? = nil) throws -> String {
        let name = "avt_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try psql("CREATE DATABASE \(name) OWNER appvault", database: "postgres", port: port)
        return String(name)
    }

    /// Drops `database`, ending its connections first.
    public static func dropDatabase(_ database: String, port: Int? = nil) {
        _ = try? psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", database: "postgres", port: port)
    }

    /// Runs `sql` with `psql` as the superuser on `database`; fails on the first error.
    @discardableResult
    public static func psql(_ sql: String, database: String, port: Int? = nil, stdin: Data = Data()) throws -> String {
        let output = try psqlOutput(sql, database: database, port: port, stdin: stdin)
        guard output.status == 0 else {
            throw Unavailable(description: "psql failed (\(output.status)): \(output.stderr)")
        }
        return output.stdout
    }

    /// Runs `sql` with `psql` as the superuser and returns what happened, failed or not.
    public static func psqlOutput(_ sql: String, database: String, port: Int? = nil, stdin: Data = Data()) throws -> Output {
        let folder = try directory()
        return try run(try setting("PG_BIN") + "/psql", [
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder + "/run",
            "-p", String(try port ?? self.port()), "-U", "postgres", "-d", database, "-c", sql,
        ], stdin: stdin)
    }

    /// Runs scripts/testcluster/instance.sh with `arguments` (init, replica, start, stop, kill, ...).
    @discardableResult
    public static func instance(_ arguments: [String]) throws -> Output {
        let output = try run("/bin/bash", [scriptsFolder + "/instance.sh"] + arguments,
                             environment: ["APPVAULT_TEST_CLUSTER": try directory()])
        guard output.status == 0 else {
            throw Unavailable(description: "instance.sh \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.stderr)")
        }
        return output
    }

    private static let scriptsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/testcluster").path

    /// Runs `executable` to its end with `stdin` as its input; its output goes through files,
    /// not pipes, so a server it starts cannot hold the test waiting for an end of file.
    /// (posix_spawn and waitpid: Foundation's `Process` can miss the exit of a child whose
    /// children live on.)
    public static func run(_ executable: String, _ arguments: [String], stdin: Data = Data(),
                           environment: [String: String] = [:]) throws -> Output {
        var template = Array("/tmp/appvault-run-XXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inPath = folder + "/in", outPath = folder + "/out", errPath = folder + "/err"
        guard FileManager.default.createFile(atPath: inPath, contents: stdin, attributes: [.posixPermissions: 0o600]) else {
            throw Unavailable(description: "cannot write \(inPath)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Unavailable(description: "cannot run \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let text = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Output(status: exit, stdout: text(outPath), stderr: text(errPath))
    }

    private static let settings: Result<[String: String], Unavailable> = {
        do {
            let text = try String(contentsOfFile: try directory() + "/cluster.conf", encoding: .utf8)
            var values = [String: String]()
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            return .success(values)
        } catch let error as Unavailable {
            return .failure(error)
        } catch {
            return .failure(Unavailable(description: "the test cluster has no cluster.conf; start it with scripts/testcluster/start.sh"))
        }
    }()

    private static let located: Result<String, Unavailable> = {
        if let dir = ProcessInfo.processInfo.environment["APPVAULT_TEST_CLUSTER"], !dir.isEmpty {
            guard FileManager.default.fileExists(atPath: dir + "/cluster.conf") else {
                return .failure(Unavailable(description: "APPVAULT_TEST_CLUSTER=\(dir) has no cluster.conf; run `eval \"$(scripts/testcluster/start.sh)\"`"))
            }
            return .success(dir)
        }
        guard let output = try? run("/bin/bash", [scriptsFolder + "/start.sh"]), output.status == 0,
              let line = output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("export APPVAULT_TEST_CLUSTER=") })
        else {
            return .failure(Unavailable(description: "scripts/testcluster/start.sh failed; run it by hand to see why"))
        }
        return .success(String(line.dropFirst("export APPVAULT_TEST_CLUSTER=".count)))
    }()
}
