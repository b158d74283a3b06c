import Foundation

/// The PostgreSQL server scripts/bench.sh starts for the PostgreSQL section: a server of the
/// test cluster (scripts/testcluster) with fsync on, reached over TLS with the client certificate
/// from 127.0.0.1 (one host) or from the cluster's network namespaces (hosts 1, 2, 3).
struct BenchPostgres {
    /// The cluster's folder (cluster.conf, certificates, the server's Unix socket in run/).
    var folder: String
    /// The benchmark server's port.
    var port: Int
    /// PostgreSQL's programs (psql, pgbench).
    var binaries: String
    /// The server's address on the virtual network and the namespace prefix, when the cluster
    /// was started as root (else nil: the multi-host rows are left out).
    var network: (address: String, prefix: String)?

    /// Reads `APPVAULT_BENCH_PG_CLUSTER` and `APPVAULT_BENCH_PG_PORT` (set by scripts/bench.sh).
    static func load(environment: [String: String]) -> BenchPostgres? {
        guard let folder = environment["APPVAULT_BENCH_PG_CLUSTER"], let port = environment["APPVAULT_BENCH_PG_PORT"].flatMap(Int.init),
              let text = try? String(contentsOfFile: folder + "/cluster.conf", encoding: .utf8)
        else { return nil }
        var settings = [String: String]()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { settings[parts[0]] = parts[1] }
        }
        guard let binaries = settings["PG_BIN"] else { return nil }
        let network = settings["NETNS"] == "yes" ? settings["SERVER_ADDRESS"].flatMap { address in
            settings["NETNS_PREFIX"].map { (address, $0) }
        } : nil
        return BenchPostgres(folder: folder, port: port, binaries: binaries, network: network)
    }

    /// A connection string for `database` as user `appvault`, over TLS with `sslmode=verify-full`,
    /// to the server's loopback address (`onNetwork` false) or its virtual-network address.
    func address(database: String, onNetwork: Bool = false) -> String {
        let host = onNetwork ? (network?.address ?? "127.0.0.1") : "127.0.0.1"
        return "host=\(host) port=\(port) dbname=\(database) user=appvault sslmode=verify-full sslrootcert=\(folder)/ca.pem "
            + "sslcert=\(folder)/client.pem sslkey=\(folder)/client.key"
    }

    /// Runs `sql` as the superuser over the server's Unix socket; returns what it printed.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Subprocess.run([binaries + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder + "/run",
                            "-p", String(port), "-U", "postgres", "-d", database, "-c", sql],
                           environment: ["PGOPTIONS": "-c client_min_messages=warning"], capture: true).output
    }

    /// Creates an empty database owned by `appvault`.
    func createDatabase(_ name: String) throws {
        try psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try psql("CREATE DATABASE \(name) OWNER appvault")
    }

    func dropDatabase(_ name: String) { _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// The namespace of host `number`, or nil without the virtual network.
    func namespace(_ number: Int) -> String? { network.map { "\($0.prefix)h\(number)" } }

    /// `pgbench`'s built-in simple-update transaction (UPDATE, SELECT, INSERT in one transaction)
    /// with one client from each of `hosts` hosts at once (from 127.0.0.1 when `hosts` is 0),
    /// for `seconds`; the summed transactions per second, and the mean latency per transaction.
    func pgbench(database: String, hosts: Int, seconds: Int) throws -> (tps: Double, latencyMilliseconds: Double) {
        let origins: [String?] = hosts == 0 ? [nil] : (1...hosts).map { namespace($0) }
        let outputs = try Subprocess.runConcurrently(origins.map { origin in
            (origin.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? []) + [
                binaries + "/pgbench", "-n", "-b", "simple-update", "-c", "1", "-T", String(seconds),
                address(database: database, onNetwork: origin != nil),
            ]
        })
        let latencies = outputs.map { Self.number(after: "latency average = ", in: $0) }
        return (outputs.map { Self.number(after: "tps = ", in: $0) }.reduce(0, +), latencies.reduce(0, +) / Double(latencies.count))
    }

    /// Initialises pgbench's tables (scale 1) in `database`.
    func preparePgbench(database: String) throws {
        try Subprocess.run([binaries + "/pgbench", "-i", "-q", "-s", "1", address(database: database)], capture: true, quiet: true)
    }

    private static func number(after label: String, in text: String) -> Double {
        guard let range = text.range(of: label) else { return 0 }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
    }
}
