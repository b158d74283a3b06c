import AppVault
import Foundation
import GRDB
import Synchronization

/// Section 2: leases per second in-process (1 and 2 threads) and through the agent's socket.
enum Throughput {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Throughput: lease grant + secret read",
            baseline: "one SQLite IMMEDIATE transaction inserting one row through a GRDB `DatabasePool` configured "
                + "like appvault's (WAL, `synchronous = FULL` on the writer: one fsync per commit), same folder, 1 thread",
            columns: ["path", "clients", "operations", "ops/s", "median", "p99", "ops/s / baseline"])
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }

        let commits = try sqliteCommits(folder: folder, name: "baseline", forceFull: true, settings: settings)
        let baselineRate = commits.rate
        table.add(row("raw SQLite commit (baseline); synchronous in effect: \(commits.synchronous), fsync per commit", 1, commits, baselineRate))
        let relaxed = try sqliteCommits(folder: folder, name: "relaxed", forceFull: false, settings: settings)
        table.add(row("raw SQLite commit, GRDB's WAL default; synchronous in effect: \(relaxed.synchronous)",
                      1, relaxed, baselineRate))

        try BenchVault.create(in: folder, accounts: 100)
        let vault = try BenchVault.openUnlocked(folder)
        var drift = (first: 0.0, last: 0.0)
        for threads in [1, 2] {
            let result = try leaseCycles(vault, threads: threads, settings: settings)
            table.add(row("in-process `lease` + `redeem`, latency per cycle", threads, result, baselineRate))
            if threads == 1 { drift = result.latencies.drift() }
        }
        let maxConnections = 128
        try AgentThroughput.withAgent(vault: vault, folder: folder, maxConnections: maxConnections) { socket in
            for clients in [1, 8, 64] {
                let result = try AgentThroughput.run(socket: socket, clients: clients, accounts: 100, settings: settings)
                for (kind, latencies) in [("writes: `grant-login`, `revoke-lease`", result.writes),
                                          ("reads: `status` amid those writes", result.reads)] {
                    table.add(["agent socket (`AgentClient`), \(kind)", String(clients), Format.count(latencies.count),
                               Format.rate(Double(latencies.count) / Double(result.cycles) * result.cyclesPerSecond),
                               Format.duration(latencies.median), Format.duration(latencies.p99),
                               Format.ratio(Double(latencies.count) / Double(result.cycles) * result.cyclesPerSecond / baselineRate)])
                }
            }
            let reads = try AgentThroughput.run(socket: socket, clients: 8, accounts: 100, writing: false, settings: settings)
            table.add(["agent socket (`AgentClient`), reads only: `status`", "8", Format.count(reads.cycles),
                       Format.rate(reads.cyclesPerSecond), Format.duration(reads.reads.median), Format.duration(reads.reads.p99),
                       Format.ratio(reads.cyclesPerSecond / baselineRate)])
        }
        table.notes = [
            "Targets: in-process >= 20 000 leases/s on this 2-core machine; agent control requests < 1 ms p99 with 8 clients.",
            "One operation = `lease` then `redeem`: two write transactions, so its floor is two commits.",
            "appvault runs its writer with `synchronous = FULL` (GRDB's WAL setup would leave NORMAL): every commit, "
                + "audit records included, survives a power failure. The second row shows what NORMAL would save.",
            "Drift within the 1-thread run (leases pile up in the table as it goes): median of the first 10% of "
                + "cycles \(Format.duration(drift.first)), of the last 10% \(Format.duration(drift.last)).",
            "Threads share one `Vault`; SQLite allows one writer at a time, so a second thread can only overlap "
                + "the work done outside the write transaction, and it adds hand-offs on GRDB's writer queue and "
                + "TLB-shootdown interrupts for every guarded allocation (mprotect/munmap in a multi-threaded process).",
            "Closed-loop clients queue behind that single writer: with N clients a request waits for about N-1 "
                + "others, so p99 < 1 ms at 8 clients needs a service time well under 125 µs per request.",
            "Agent rows: an `AgentServer` in this process (socket in a private temporary folder, maxConnections "
                + "\(maxConnections), no idle lock); each client is a thread with its own `AgentClient`, which keeps "
                + "one connection open (the agent serves it on one thread and checks the peer's pinned pidfd at every "
                + "request). A cycle is `grant-login` (a write: a login lease), `status` (a read) and `revoke-lease` "
                + "(a write). Concurrent writes share one transaction and one fsync (group commit), so a write's "
                + "latency is about one commit however many clients wait; reads take no transaction.",
        ]
        return table
    }

    struct Result {
        var latencies: Latencies
        var wallNanoseconds: Double
        /// `PRAGMA synchronous` on the writing connection (0 OFF, 1 NORMAL, 2 FULL), for commit baselines.
        var synchronous = "-"
        var rate: Double { Double(latencies.count) / (wallNanoseconds / 1e9) }
    }

    private static func row(_ path: String, _ clients: Int, _ result: Result, _ baseline: Double) -> [String] {
        [path, String(clients), Format.count(result.latencies.count), Format.rate(result.rate),
         Format.duration(result.latencies.median), Format.duration(result.latencies.p99),
         Format.ratio(result.rate / baseline)]
    }

    /// `threads` threads each run lease cycles on their own accounts for the same time budget.
    private static func leaseCycles(_ vault: Vault, threads: Int, settings: BenchSettings) throws -> Result {
        let perThread = Mutex<[Latencies]>([])
        let failure = Mutex<String?>(nil)
        let start = monotonicNanoseconds()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            do {
                var index = thread
                let latencies = try timeEach(upTo: settings.count(40_000) / threads, seconds: settings.seconds(8)) {
                    index += threads
                    try LeaseCycle.run(vault, account: BenchVault.accountName(index % 100))
                }
                perThread.withLock { $0.append(latencies) }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        let wall = Double(monotonicNanoseconds() - start)
        if let message = failure.withLock({ $0 }) { throw Subprocess.Failure(description: "lease cycle failed: \(message)") }
        return Result(latencies: .merged(perThread.withLock { $0 }), wallNanoseconds: wall)
    }

    /// One-row commits through a pool set up like appvault's VaultDatabase: the cost of one write
    /// transaction on this disk. GRDB's WAL setup runs after `prepareDatabase` and sets
    /// `synchronous = NORMAL`; `forceFull` sets FULL again afterwards, to show what a commit that
    /// is durable across power loss costs.
    private static func sqliteCommits(folder: String, name: String, forceFull: Bool, settings: BenchSettings) throws -> Result {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: folder + "/\(name).sqlite", configuration: configuration)
        let synchronous = try pool.writeWithoutTransaction { db in
            if forceFull { try db.execute(sql: "PRAGMA synchronous = FULL") }
            return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
        try pool.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, at REAL NOT NULL)") }
        let start = monotonicNanoseconds()
        let latencies = try timeEach(upTo: settings.count(40_000), seconds: settings.seconds(5)) {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "INSERT INTO t (at) VALUES (?)", arguments: [Date().timeIntervalSince1970])
                    return .commit
                }
            }
        }
        let names = [0: "0 (OFF)", 1: "1 (NORMAL)", 2: "2 (FULL)", 3: "3 (EXTRA)"]
        return Result(latencies: latencies, wallNanoseconds: Double(monotonicNanoseconds() - start),
                      synchronous: names[synchronous] ?? String(synchronous))
    }
}
