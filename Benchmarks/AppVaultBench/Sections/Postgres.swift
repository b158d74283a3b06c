import AppVault
import Foundation
import PostgresStore

/// Sections 9 and 10: the shared PostgreSQL store (issue 12), against SQLite and against
/// `pgbench` on the same server.
enum Postgres {
    /// Section 9: lease grant + session start from one, two and three hosts.
    static func hosts(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "PostgreSQL: lease grant + session start, SQLite on one host vs PostgreSQL from 1, 2 and 3 hosts",
            baseline: "`pgbench -b simple-update` (UPDATE, SELECT, INSERT in one transaction), one client per host, "
                + "on the same server over the same TLS connection, measured just before",
            columns: ["store", "hosts", "cycles", "cycles/s", "commits/s", "median cycle", "p99 cycle", "pgbench tps",
                      "commits/s / pgbench tps"])
        guard let server = settings.postgres else {
            table.notes = ["Skipped: no PostgreSQL server (run through `make bench`, which starts one)."]
            return table
        }
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }
        let accounts = 96
        try BenchVault.create(in: folder, accounts: accounts)
        let seconds = settings.seconds(8)
        let database = "appvault_bench_hosts", pgbench = "appvault_bench_pgbench"
        defer { server.dropDatabase(database); server.dropDatabase(pgbench) }
        try server.createDatabase(pgbench)
        try server.preparePgbench(database: pgbench)

        // The SQLite vault is copied first, so every run starts from the same rows.
        let fresh = { () throws -> Void in
            try server.createDatabase(database)
            let source = try SQLiteStore.open(path: BenchVault.vaultPath(folder))
            _ = try StoreCopy.copy(from: source, to: PostgresStore.create(PostgresAddress(parsing: server.address(database: database))))
        }
        try fresh()
        let local = try BenchVault.openUnlocked(folder)
        for index in 0..<5 { try SessionCycle.run(local, account: BenchVault.accountName(index)) }
        let (sqlite, sqliteWall) = try SessionCycle.measure(local, first: 0, count: accounts, seconds: seconds)
        table.add(row("SQLite file (\(BenchFiles.fileSystem(of: settings.diskRoot))), in-process", 1, sqlite.count, sqliteWall,
                      sqlite.median, sqlite.p99, pgbench: nil))

        let hostCounts = server.network == nil ? [0] : [1, 2, 3]
        for hosts in hostCounts {
            try fresh()
            let floor = try server.pgbench(database: pgbench, hosts: hosts, seconds: Int(max(2, seconds.rounded())))
            let results = try runHosts(hosts, server: server, database: database, folder: folder, accounts: accounts, seconds: seconds)
            let cycles = results.map(\.cycles).reduce(0, +)
            let wall = results.map(\.wallNanoseconds).max() ?? 1
            let median = results.map(\.median).sorted()[results.count / 2], p99 = results.map(\.p99).max() ?? 0
            table.add(row(hosts == 0 ? "PostgreSQL over TLS from 127.0.0.1" : "PostgreSQL over TLS from network namespaces",
                          max(hosts, 1), cycles, wall, median, p99, pgbench: floor.tps))
        }
        table.notes = [
            "One cycle = `grantLoginLease`, `openSession` with the lease password (what the agent's endpoint does on "
                + "LOGIN), `redeem` (the upstream login: spends the use, opens the secret), `endSession`: "
                + "\(SessionCycle.commits) write transactions, each on PostgreSQL one READ COMMITTED transaction that "
                + "locks the state row, reads and checks the integrity-tree path, writes rows, tree nodes, an audit record "
                + "and the state row, and sends NOTIFY with COMMIT.",
            "Every host is a separate process (`appvault-bench pg-host`) with its own connection pool, in its own network "
                + "namespace behind a veth pair, working on its own accounts (\(accounts) accounts split between the hosts); "
                + "all start at the same wall-clock second. Median = the hosts' median of medians; p99 = the worst host's.",
            "All writers of one vault queue on its state row, on purpose (a one-use lease is spent once, whichever "
                + "host asks): more hosts add waiting, not throughput. pgbench's clients update different rows and do scale.",
            "The server: Debian's PostgreSQL, fsync on, synchronous_commit on, TLS 1.3 with client certificates; "
                + "both the server and the hosts share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores.",
            "Vaults are unlocked with a key file (no Argon2id); each PostgreSQL run starts from a fresh copy of the same rows.",
        ]
        return table
    }

    /// Section 10: cost per operation on a PostgreSQL vault of 10 to 100 000 accounts.
    static func scale(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "PostgreSQL: cost per operation as accounts grow",
            baseline: "the same measurement on the 10-account vault",
            columns: ["accounts", "copied in (`migrate`'s StoreCopy)", "open (connect, format check, header)", "lease + read median",
                      "p99", "median / baseline", "database size"])
        guard let server = settings.postgres else {
            table.notes = ["Skipped: no PostgreSQL server (run through `make bench`, which starts one)."]
            return table
        }
        let database = "appvault_bench_scale"
        defer { server.dropDatabase(database) }
        var baseline: Double?
        for accounts in [10, 1_000, settings.scale < 1 ? 10_000 : 100_000] {
            let staging = BenchVault.privateFolder(under: settings.memoryRoot)
            defer { try? BenchFiles.remove(staging) }
            try BenchVault.create(in: staging, accounts: accounts)
            try server.createDatabase(database)
            let address = try PostgresAddress(parsing: server.address(database: database))
            let (summary, copying) = try timeOnce {
                try StoreCopy.copy(from: SQLiteStore.open(path: BenchVault.vaultPath(staging)), to: PostgresStore.create(address))
            }
            var opened = [Vault]()
            let opens = try timeEach(5) {
                opened.append(try Vault.open(store: PostgresStore.open(address), configuration: VaultConfiguration(actor: "bench")))
            }
            let vault = opened[0]
            try vault.unlock(with: MasterCredential.readKeyFile(at: BenchVault.keyPath(staging)))
            for _ in 0..<20 { try LeaseCycle.run(vault, account: BenchVault.accountName(Int.random(in: 0..<accounts))) }
            let leases = try timeEach(upTo: settings.count(5_000), seconds: settings.seconds(8)) {
                try LeaseCycle.run(vault, account: BenchVault.accountName(Int.random(in: 0..<accounts)))
            }
            baseline = baseline ?? leases.median
            let size = Int(try server.psql("SELECT pg_database_size('\(database)')").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            table.add([Format.count(accounts), "\(Format.duration(copying)) (\(Format.count(summary.records)) rows)",
                       Format.duration(opens.median), Format.duration(leases.median), Format.duration(leases.p99),
                       Format.ratio(leases.median / baseline!), Format.bytes(size)])
            opened.removeAll()
            server.dropDatabase(database)
        }
        table.notes = [
            "Target: flat cost per operation from 10 to 100 000 accounts.",
            "Each vault is filled through `addAccount` in an SQLite file on tmpfs (\(settings.memoryRoot)) and copied into an "
                + "empty database with `StoreCopy` (what `appvault migrate --to postgresql://...` runs: one transaction, "
                + "then every row read back and compared).",
            "Lease + read = `lease` then `redeem` on a random account (two write transactions), in this process, over TLS "
                + "to 127.0.0.1; the server runs with fsync on.",
            "Every grant checks the per-holder cap (here one holder, `bench`) against that holder's open leases only: "
                + "an ended lease leaves its account's integrity-tree leaf, so the check does not grow with the leases "
                + "of the retention hour spread over more accounts.",
        ]
        return table
    }

    /// Starts `hosts` host processes (one in-process run from loopback when 0) and collects their results.
    private static func runHosts(_ hosts: Int, server: BenchPostgres, database: String, folder: String, accounts: Int,
                                 seconds: Double) throws -> [SessionCycle.Result] {
        if hosts == 0 {
            let vault = try Vault.open(store: PostgresStore.open(PostgresAddress(parsing: server.address(database: database))),
                                       configuration: VaultConfiguration(actor: "bench"))
            try vault.unlock(with: MasterCredential.readKeyFile(at: BenchVault.keyPath(folder)))
            for index in 0..<5 { try SessionCycle.run(vault, account: BenchVault.accountName(index)) }
            let (latencies, wall) = try SessionCycle.measure(vault, first: 0, count: accounts, seconds: seconds)
            return [SessionCycle.Result(cycles: latencies.count, wallNanoseconds: wall, median: latencies.median, p99: latencies.p99)]
        }
        let share = accounts / hosts
        let start = (Date().timeIntervalSince1970 + 4).rounded(.up)
        let outputs = try Subprocess.runConcurrently((1...hosts).map { host in
            ["/usr/sbin/ip", "netns", "exec", server.namespace(host)!, selfExecutable(), "pg-host",
             server.address(database: database, onNetwork: true), BenchVault.keyPath(folder),
             String((host - 1) * share), String(share), String(seconds), String(start)]
        })
        return try outputs.map { try JSONDecoder().decode(SessionCycle.Result.self, from: Data($0.utf8)) }
    }

    private static func row(_ store: String, _ hosts: Int, _ cycles: Int, _ wall: Double, _ median: Double, _ p99: Double,
                            pgbench: Double?) -> [String] {
        let rate = Double(cycles) / (wall / 1e9)
        let commits = rate * Double(SessionCycle.commits)
        return [store, String(hosts), Format.count(cycles), Format.rate(rate), Format.rate(commits), Format.duration(median),
                Format.duration(p99), pgbench.map(Format.rate) ?? "-", pgbench.map { Format.ratio(commits / $0) } ?? "-"]
    }
}
