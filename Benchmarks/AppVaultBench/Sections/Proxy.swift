import Foundation
import Glibc
import MailProxy
import Synchronization

/// Section 7: the agent's mail proxy against the same client going straight to the local
/// Dovecot of scripts/testservers: (a) fetch throughput, (b) NOOP round trip, (c) session set-up,
/// (d) 1,000 concurrent IDLE sessions. The proxy runs in this process with a fake authority.
enum ProxyBench {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Mail proxy: the agent's IMAP endpoint vs straight to Dovecot",
            baseline: "the same client (curl, Python imaplib) straight to the same Dovecot over TLS, in the same run",
            columns: ["measurement", "direct", "through the proxy", "proxy / direct", "target"])
        guard let servers = settings.testServers else {
            table.notes = ["Skipped: run through `make bench`, which starts scripts/testservers."]
            return table
        }
        raiseDescriptorLimit()
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }
        let host = try ProxyBenchHost(servers: servers)
        let credentials = folder + "/credentials"
        try "\(servers.password)\n\(ProxyBenchHost.token)\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        let netrc = folder + "/netrc"
        try "machine localhost login \(servers.user) password \(servers.password)\nmachine 127.0.0.1 login bob password \(ProxyBenchHost.token)\n"
            .write(toFile: netrc, atomically: true, encoding: .utf8)

        // (a) Throughput: curl fetching every message of a mailbox, one connection.
        let megabytes = settings.proxyMailboxMegabytes
        let mailbox = "bench-proxy-\(megabytes)"
        try Subprocess.run(["/usr/bin/python3", "-c", fixtureScript, servers.caFile, String(servers.imap), servers.user, mailbox,
                            String(megabytes), credentials])
        let fetch = { (url: String) throws -> Double in
            try Subprocess.run(["curl", "--silent", "--show-error", "--cacert", servers.caFile, "--netrc-file", netrc,
                                "-o", "/dev/null", "\(url)/\(mailbox);UID=[1-\(megabytes)]"]).nanoseconds
        }
        var direct = [Double](), proxied = [Double](), proxyCPU = 0.0
        for _ in 0..<max(3, Int(7 * settings.scale)) {  // alternated, so drift hits both alike
            direct.append(try fetch("imaps://localhost:\(servers.imap)"))
            let cpuBefore = processCPUSeconds()
            proxied.append(try fetch("imap://127.0.0.1:\(host.port)"))
            host.waitUntilIdle()
            proxyCPU += processCPUSeconds() - cpuBefore
        }
        host.waitUntilIdle()
        let bytes = Double(megabytes) * 1_048_576
        let directRate = bytes / Latencies(nanoseconds: direct).median * 1e9 / 1_048_576
        let proxyRate = bytes / Latencies(nanoseconds: proxied).median * 1e9 / 1_048_576
        table.add(["(a) fetch \(megabytes) MiB, \(megabytes) messages (curl, median of \(direct.count))",
                   String(format: "%.0f MiB/s", directRate), String(format: "%.0f MiB/s", proxyRate),
                   Format.ratio(proxyRate / directRate), ">= 0.95"])
        table.add(["(a) the proxy's own CPU time (user + system) per MiB relayed", "-",
                   Format.duration(proxyCPU * 1e9 / Double(megabytes * proxied.count)), "-", ""])

        // (b) NOOP round trips on one logged-in session (imaplib, timed in Python).
        let count = settings.count(3000)
        let directNoop = try noops(["--tls", servers.caFile, "localhost", String(servers.imap), servers.user], count: count, credentials: credentials)
        let proxyNoop = try noops(["--plain", "-", "127.0.0.1", String(host.port), "bob"], count: count, credentials: credentials)
        host.waitUntilIdle()
        table.add(["(b) NOOP round trip, median (imaplib, \(count) each)", Format.duration(directNoop.median),
                   Format.duration(proxyNoop.median), signed(proxyNoop.median - directNoop.median), "<= +100 µs"])
        table.add(["(b) NOOP round trip, p99", Format.duration(directNoop.p99), Format.duration(proxyNoop.p99),
                   signed(proxyNoop.p99 - directNoop.p99), ""])

        // (c) Session set-up: connect, log in, NOOP, log out.
        let setup = { (url: String) throws -> Latencies in
            let command = ["curl", "--silent", "--show-error", "--cacert", servers.caFile, "--netrc-file", netrc, "-X", "NOOP", url]
            try Subprocess.run(command)
            return try timeEach(upTo: settings.count(200), seconds: settings.seconds(8), minimum: 10) { try Subprocess.run(command) }
        }
        let directSetup = try setup("imaps://localhost:\(servers.imap)/")
        let proxySetup = try setup("imap://127.0.0.1:\(host.port)/")
        host.waitUntilIdle()
        table.add(["(c) session set-up: curl -X NOOP, median of \(directSetup.count)", Format.duration(directSetup.median),
                   Format.duration(proxySetup.median), Format.ratio(proxySetup.median / directSetup.median), "<= 1.00"])

        // (d) 1,000 concurrent IDLE sessions through one proxy.
        let sessions = settings.scale < 1 ? 200 : 1000
        let idle = try concurrentIdle(host: host, sessions: sessions)
        table.add(["(d) \(sessions) concurrent IDLE sessions held", "-", "\(idle.held) of \(sessions)", "-", "all held"])
        table.add(["(d) proxy process, \(sessions) sessions: RSS and threads", "-",
                   "+\(Format.bytes(idle.rssKiB * 1024)), +\(idle.threads) threads",
                   String(format: "%.0f KiB / session", Double(idle.rssKiB) / Double(max(idle.held, 1))), ""])
        table.add(["(d) ending all \(sessions) (registry), last BYE after", "-", Format.duration(idle.endNanoseconds), "-", "< 1 s"])

        table.notes = [
            "Through the proxy: client -> 127.0.0.1 plaintext -> `MailProxy` (fake authority, in this process) -> TLS -> Dovecot; "
                + "direct: client -> TLS -> Dovecot. Servers: scripts/testservers, account \(servers.user).",
            "(a) the mailbox holds \(megabytes) messages of 1 MiB (`APPVAULT_BENCH_PROXY_MB`, default 200, 20 with --quick); "
                + "curl fetches them one by one (`;UID=[1-\(megabytes)]`) over one connection; run alternately.",
            "(b) imaplib's `noop()` in a loop, timed with `perf_counter_ns` around each call, after 100 warm-up NOOPs.",
            "(c) includes starting curl; the proxy row adds the local connection, the authority, and the proxy's own TLS "
                + "login to Dovecot (curl's TLS work moves into the proxy).",
            "(d) clients in this process log in, SELECT and IDLE through the proxy; Dovecot runs one imap process per session. "
                + "RSS and threads are this process's growth with all sessions held (client sockets included).",
        ]
        return table
    }

    /// CPU time this process used so far (all threads, user and system), in seconds.
    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// A difference with its sign: `+43.5 µs`, `-0.43 ms`.
    private static func signed(_ nanoseconds: Double) -> String {
        (nanoseconds < 0 ? "-" : "+") + Format.duration(abs(nanoseconds))
    }

    /// NOOP latencies from imaplib.
    private static func noops(_ arguments: [String], count: Int, credentials: String) throws -> Latencies {
        let output = try Subprocess.run(["/usr/bin/python3", "-c", noopScript] + arguments + [String(count), credentials], capture: true).output
        return Latencies(nanoseconds: output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// Opens `sessions` IDLE sessions through the proxy from 8 threads; measures, then ends them all.
    private static func concurrentIdle(host: ProxyBenchHost, sessions: Int) throws
        -> (held: Int, rssKiB: Int, threads: Int, endNanoseconds: Double)
    {
        let threadsBefore = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
        let rssBefore = ProcStatus.residentKiB()
        let clients = Mutex<[IdleClient]>([])
        let failure = Mutex<String?>(nil)
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for _ in stride(from: worker, to: sessions, by: 8) {
                    do {
                        let client = try IdleClient(port: host.port, account: "bob", token: ProxyBenchHost.token)
                        clients.withLock { $0.append(client) }
                    } catch {
                        failure.withLock { $0 = $0 ?? "\(error)" }
                    }
                }
            }
        }
        group.wait()
        let held = host.proxy.sessions.count
        let rss = ProcStatus.residentKiB() - rssBefore
        let threads = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0) - threadsBefore
        if let message = failure.withLock({ $0 }) { print("   (some IDLE sessions failed: \(message))") }
        let start = monotonicNanoseconds()
        host.proxy.sessions.end(where: { _ in true }, reason: "benchmark over")
        let all = clients.withLock { $0 }
        for client in all { _ = try? client.expect("* BYE") }
        let ended = Double(monotonicNanoseconds() - start)
        clients.withLock { $0.removeAll() }
        host.waitUntilIdle()
        return (held, rss, threads, ended)
    }

    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, 65536)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Fills a mailbox with COUNT messages of 1 MiB unless it already holds them.
    /// argv: CAFILE PORT USER MAILBOX COUNT CREDENTIALS (first line: the password).
    private static let fixtureScript = """
        import imaplib, os, ssl, sys
        cafile, port, user, mailbox, count, credentials = sys.argv[1:7]
        password = open(credentials).readline().rstrip("\\n")
        client = imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ssl.create_default_context(cafile=cafile))
        client.login(user, password)
        typ, data = client.select(mailbox)
        if typ != "OK" or int(data[0]) != int(count):
            client.select("INBOX")
            client.delete(mailbox)
            client.create(mailbox)
            line = (b"0123456789" * 7 + b"\\r\\n")
            for index in range(int(count)):
                body = line * (1048576 // len(line))
                head = b"Subject: proxy bench %d\\r\\nMessage-ID: <bench-%d@example.test>\\r\\n\\r\\n" % (index, index)
                message = head + body
                client.append(mailbox, None, None, message + b"x" * (1048576 - len(message)))
        client.logout()
        """

    /// Prints the latency in nanoseconds of each of COUNT NOOPs after 100 warm-up ones.
    /// argv: --tls CAFILE|--plain - HOST PORT USER COUNT CREDENTIALS (password, then token).
    private static let noopScript = """
        import imaplib, ssl, sys, time
        mode, cafile, host, port, user, count, credentials = sys.argv[1:8]
        password, token = [line.rstrip("\\n") for line in open(credentials).readlines()[:2]]
        if mode == "--tls":
            client = imaplib.IMAP4_SSL(host, int(port), ssl_context=ssl.create_default_context(cafile=cafile))
            client.login(user, password)
        else:
            client = imaplib.IMAP4(host, int(port))
            client.login(user, token)
        for _ in range(100):
            client.noop()
        samples = []
        for _ in range(int(count)):
            start = time.perf_counter_ns()
            client.noop()
            samples.append(time.perf_counter_ns() - start)
        client.logout()
        print(" ".join(map(str, samples)))
        """
}
