import AppVault
import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport
import VaultAgent
import VaultCrypto

/// The BLAKE2b-256 of a password as ClusterHost's `digest` prints it.
func digestHex(_ password: String) -> String {
    KeyedHash.digest(Array(password.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// A number from the environment, else `standard` (CI and `make test` run the full counts).
func count(_ variable: String, standard: Int) -> Int {
    ProcessInfo.processInfo.environment[variable].flatMap(Int.init) ?? standard
}

@Suite("Many hosts, one vault: PostgreSQL shared by three hosts (network namespaces)", .serialized,
       .enabled(if: PostgresTestCluster.hasHosts, "the hosts are network namespaces: start the cluster as root"))
struct MultiHostTests {
    @Test("an account added on host 1 is usable on hosts 2 and 3; a rotate on host 2 makes host 3's older lease stale")
    func sharedAccounts() throws {
        let vault = try ClusterVault()
        try vault.create()
        let host2 = try vault.host(2), host3 = try vault.host(3)
        #expect(try host2.expectOK("digest work") == [digestHex("abcdefghijklmnop")])
        #expect(try host3.expectOK("digest work") == [digestHex("abcdefghijklmnop")])

        let agent2 = try vault.agent(2)
        #expect(try agent2.client.accounts().map(\.record.name) == ["work"])
        let password = try agent2.client.grantLogin(account: "work", for: .imap) { _, text in
            text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
        try host3.send("open-session work imap")
        #expect(try host3.ask(password).hasPrefix("ok "), "host 2's agent's login lease opens a session on host 3")
        try host2.send("open-session work imap")
        #expect(try host2.ask(password).hasPrefix("error 10 "), "and is spent for every host")

        let lease = try host3.expectOK("grant work imap").joined(separator: " ")
        let rotated = try vault.appvault(host: 2, ["rotate", "work"], stdin: "qqqq rrrr ssss tttt\n")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let refused = try host3.ask("redeem " + lease)
        #expect(refused.hasPrefix("error 10 ") && refused.contains("older password"), "\(refused)")
        #expect(try host3.expectOK("digest work") == [digestHex("qqqqrrrrsssstttt")])
        #expect(try host2.expectOK("verify") == ["intact"])
    }

    @Test("a revoke on host 2 reaches host 3's change feed (the one the agent's sessions follow) well within one second")
    func revokeReachesOtherHost() throws {
        let vault = try ClusterVault()
        try vault.create()
        let host2 = try vault.host(2), host3 = try vault.host(3)
        var latencies = [Duration]()
        for _ in 0..<10 {
            let granted = try host2.expectOK("grant-login work imap")
            try host3.send("open-session work imap\n" + granted[1])
            let session = try #require(try host3.readLine().split(separator: " ").last.map(String.init))
            try host3.send("watch 5000")
            Thread.sleep(forTimeInterval: 0.2)
            _ = try host2.expectOK("revoke-lease " + session)
            let revokedAt = ContinuousClock.now
            let seen = try host3.readLine().split(separator: " ")
            latencies.append(ContinuousClock.now - revokedAt)
            #expect(seen.count == 3 && seen[1] == "lease.revoke", "\(seen)")
        }
        let worst = try #require(latencies.max())
        #expect(worst < .seconds(1), "\(latencies)")
        print("revoke on host 2 seen on host 3 after \(latencies.sorted()[latencies.count / 2]) (median), \(worst) (worst)")
    }

    @Test("a revoke on host 2 ends an IMAP IDLE session that host 3's agent proxies, within one second")
    func revokeEndsSessionOnOtherHost() throws {
        let vault = try ClusterVault()
        try vault.create()
        let mailbox = "cluster-idle@example.test", password = "cluster-idle-" + String(UUID().uuidString.prefix(12))
        try MailTestServers.setPassword(user: mailbox, to: password)
        let imapPort = try MailTestServers.port(10143), smtpPort = try MailTestServers.port(10465)
        let added = try vault.appvault(host: 1, ["add", "mail", "--provider", "custom", "--email", mailbox,
                                                 "--imap", "localhost:\(imapPort):starttls", "--smtp", "localhost:\(smtpPort):tls"],
                                       stdin: password)
        #expect(added.status == 0, "\(added.stderr)")
        // Host 3 reaches the test Dovecot (on the root namespace's loopback) through two forwarders
        // across the bridge; TLS runs end to end through them, verified for "localhost".
        let bridge = try PostgresTestCluster.setting("SERVER_ADDRESS")
        let relayPort = try CLIRunner.freePort()
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let forward = scripts.appendingPathComponent("Scripts/forward.py").path
        let outer = try HostProcess(name: "forward out", namespace: nil,
                                    ["/usr/bin/python3", forward, bridge, String(relayPort), "127.0.0.1", String(imapPort)],
                                    environment: ["PATH": "/usr/bin:/bin"], logPath: vault.folder + "/forward-out.log")
        let inner = try HostProcess(name: "forward in", namespace: try ClusterVault.namespace(3),
                                    ["/usr/bin/python3", forward, "127.0.0.1", String(imapPort), bridge, String(relayPort)],
                                    environment: ["PATH": "/usr/bin:/bin"], logPath: vault.folder + "/forward-in.log")
        defer { outer.signal(SIGKILL); outer.wait(); inner.signal(SIGKILL); inner.wait() }
        #expect(try outer.readLine() == "ready" && inner.readLine() == "ready")

        let localPort = 11143
        _ = try vault.agent(3, arguments: ["--imap-listen", "127.0.0.1:\(localPort)",
                                           "--ca-file", try MailTestServers.directory() + "/ca.pem"])
        let token = try vault.appvault(host: 1, ["token", "add", "mail", "--client", "idler on host 3"])
        #expect(token.status == 0, "\(token.stderr)")
        let client = scripts.deletingLastPathComponent().appendingPathComponent("MailProxyTests/Scripts/imap_client.py").path
        let idler = try HostProcess(name: "idler", namespace: try ClusterVault.namespace(3),
                                    ["/usr/bin/python3", client, "127.0.0.1", String(localPort), "mail", "idle-until-bye"],
                                    environment: ["PATH": "/usr/bin:/bin"], logPath: vault.folder + "/idler.log")
        try idler.send(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try idler.readLine() == "IDLING", "\(idler.log())")

        let revoked = try vault.appvault(host: 2, ["revoke", "mail"])
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let revokedAt = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let bye = try JSONSerialization.jsonObject(with: Data(try idler.readLine(timeout: .seconds(10)).utf8)) as? [String: Any]
        let at = (bye?["at"] as? NSNumber)?.int64Value ?? .max
        #expect((bye?["bye"] as? String)?.contains("revoked") == true, "\(String(describing: bye))")
        #expect(at - revokedAt < 1_000_000_000, "BYE on host 3 \(Double(at - revokedAt) / 1e9) s after the revoke on host 2")
        print("revoke on host 2 ended host 3's IDLE session \(Double(at - revokedAt) / 1e6) ms after the command returned")
    }

    @Test("a one-use lease raced from all three hosts is spent exactly once, 1,000 times (login and connector leases)")
    func raceFromThreeHosts() throws {
        let vault = try ClusterVault()
        try vault.create()
        let hosts = try (1...3).map { try vault.host($0) }
        let rounds = count("APPVAULT_CLUSTER_RACE_ROUNDS", standard: 1000)
        var wins = [0, 0, 0]
        for round in 0..<rounds {
            let granter = hosts[round % 3]
            let replies: [String]
            if round.isMultiple(of: 2) {
                let granted = try granter.expectOK("grant-login work imap")
                for host in hosts { try host.send("open-session work imap\n" + granted[1]) }
                replies = try hosts.map { try $0.readLine() }
            } else {
                let lease = try granter.expectOK("grant work imap").joined(separator: " ")
                for host in hosts { try host.send("redeem " + lease) }
                replies = try hosts.map { try $0.readLine() }
            }
            let winners = replies.indices.filter { replies[$0].hasPrefix("ok ") }
            #expect(winners.count == 1, "round \(round): \(replies)")
            #expect(replies.filter { !$0.hasPrefix("ok ") }.allSatisfy { $0.hasPrefix("error 10 ") }, "round \(round): \(replies)")
            guard winners.count == 1 else { break }
            wins[winners[0]] += 1
            if round.isMultiple(of: 2) { _ = try hosts[winners[0]].expectOK("end-session " + replies[winners[0]].dropFirst(3)) }
        }
        #expect(wins.reduce(0, +) == rounds)
        let audit = try vault.appvault(host: 1, ["audit", "--json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]]).compactMap { $0["event"] as? String }
        #expect(events.filter { $0 == "session.open" }.count == (rounds + 1) / 2)
        #expect(events.filter { $0 == "lease.use" }.count == rounds / 2)
        #expect(try hosts[1].expectOK("verify", timeout: .seconds(120)) == ["intact"])
        print("race: \(rounds) rounds, wins per host \(wins)")
    }

    @Test("PostgreSQL stopped mid-run: no lease granted, exit 13, nothing corrupted; started again, the same agents serve again")
    func outage() throws {
        let port = try PostgresTestCluster.port(offset: 1)
        try PostgresTestCluster.instance(["init", "outage", String(port), try PostgresTestCluster.setting("SERVER_ADDRESS")])
        defer { _ = try? PostgresTestCluster.instance(["remove", "outage"]) }
        let vault = try ClusterVault(port: port)
        try vault.create()
        let agents = try (1...3).map { try vault.agent($0) }
        let granted = Atomic<Int>(0), unknown = Atomic<Int>(0), refusedWhileDown = Atomic<Int>(0)
        let down = Atomic<Bool>(false), stop = Atomic<Bool>(false)
        let unexpected = Mutex<[String]>([])
        let recovered = Mutex<Set<Int>>([])
        let workers = DispatchGroup()
        for (index, agent) in agents.enumerated() {
            DispatchQueue.global().async(group: workers) {
                while !stop.load(ordering: .relaxed) {
                    let wasDown = down.load(ordering: .relaxed)
                    do {
                        _ = try agent.client.grantLogin(account: "work", for: .imap, ttl: .seconds(1)) { lease, _ in lease.id }
                        granted.add(1, ordering: .relaxed)
                        if wasDown && down.load(ordering: .relaxed) {
                            unexpected.withLock { $0.append("agent \(index + 1) granted a lease while the database was down") }
                        }
                        if !down.load(ordering: .relaxed) { recovered.withLock { _ = $0.insert(index) } }
                    } catch AgentError.refused(let failure) where failure.code == .storeUnreachable {
                        if failure.message.contains("may or may not have landed") { unknown.add(1, ordering: .relaxed) }
                        if wasDown { refusedWhileDown.add(1, ordering: .relaxed) }
                    } catch {
                        unexpected.withLock { $0.append("agent \(index + 1): \(error)") }
                    }
                    // At most about 30 one-second leases live at once from the three agents:
                    // well under the account's cap of 64 live leases.
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
        }
        Thread.sleep(forTimeInterval: 1)
        try PostgresTestCluster.instance(["stop", "outage"])
        down.store(true, ordering: .relaxed)
        recovered.withLock { $0.removeAll() }
        Thread.sleep(forTimeInterval: 2)
        let list = try vault.appvault(host: 1, ["list"])
        #expect(list.status == 13 && list.stderr.contains("cannot be reached"), "\(list.status) \(list.stderr)")
        down.store(false, ordering: .relaxed)
        try PostgresTestCluster.instance(["start", "outage"])
        let deadline = ContinuousClock.now + .seconds(20)
        while recovered.withLock({ $0.count }) < 3, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
        stop.store(true, ordering: .relaxed)
        workers.wait()
        #expect(recovered.withLock { $0.count } == 3, "every agent grants again without a restart")
        #expect(agents.allSatisfy { $0.process.isRunning })
        #expect(refusedWhileDown.load(ordering: .relaxed) > 0)
        #expect(unexpected.withLock { $0 }.isEmpty, "\(unexpected.withLock { $0 })")
        let verify = try vault.appvault(host: 2, ["audit", "--verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let audit = try vault.appvault(host: 2, ["audit", "--json"])
        let grants = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
            .filter { $0["event"] as? String == "lease.grant" }.count
        let confirmed = granted.load(ordering: .relaxed)
        #expect(grants >= confirmed && grants <= confirmed + unknown.load(ordering: .relaxed), "\(grants) grants recorded, \(confirmed) confirmed")
    }

    @Test("primary killed, synchronous standby promoted: every confirmed change is there; hosts go on via host=a,b target_session_attrs=read-write")
    func failover() throws {
        let primaryPort = try PostgresTestCluster.port(offset: 2), standbyPort = try PostgresTestCluster.port(offset: 3)
        let first = try PostgresTestCluster.setting("SERVER_ADDRESS"), second = try PostgresTestCluster.setting("SECOND_ADDRESS")
        try PostgresTestCluster.instance(["init", "fo-primary", String(primaryPort), first])
        defer { _ = try? PostgresTestCluster.instance(["remove", "fo-primary"]) }
        try PostgresTestCluster.instance(["replica", "fo-standby", String(standbyPort), second, "fo-primary"])
        defer { _ = try? PostgresTestCluster.instance(["remove", "fo-standby"]) }
        let vault = try ClusterVault(port: primaryPort, servers: [(first, primaryPort), (second, standbyPort)])
        try vault.create()
        let writer = try vault.host(2, maximumLive: 10_000)
        let agent = try vault.agent(3)

        try writer.send("grants 100000")
        var confirmed = [String](), failed = 0
        var killed = false, promoted = false
        var killedAt = ContinuousClock.now
        while true {
            let line = try writer.readLine(timeout: .seconds(60))
            if line.hasPrefix("confirmed ") { confirmed.append(String(line.dropFirst("confirmed ".count))) } else if line.hasPrefix("failed ") {
                failed += 1
                #expect(line.hasPrefix("failed 13 "), "\(line)")
            }
            if !killed, confirmed.count >= 200 {
                try PostgresTestCluster.instance(["kill", "fo-primary"])
                killed = true
                killedAt = ContinuousClock.now
            }
            if killed, !promoted, ContinuousClock.now - killedAt > .seconds(1) {
                try PostgresTestCluster.instance(["promote", "fo-standby"])
                promoted = true
            }
            if promoted, confirmed.count >= 400 || line == "done" { break }
        }
        writer.signal(SIGKILL)
        #expect(failed > 0, "the writer saw the primary go")
        let checker = try vault.host(1)
        var missing = [String]()
        for id in confirmed where !(try checker.ask("lease \(id)")).hasPrefix("ok ") { missing.append(id) }
        #expect(missing.isEmpty, "\(missing.count) of \(confirmed.count) confirmed grants are gone: \(missing.prefix(5))")
        #expect(try checker.expectOK("verify", timeout: .seconds(120)) == ["intact"])
        let lease = try agent.client.grantLogin(account: "work", for: .smtp) { lease, _ in lease }
        #expect(lease.account == "work", "the agent on host 3 serves from the promoted standby without a restart")
        print("failover: \(confirmed.count) confirmed grants, \(failed) refused while no primary was there")
    }

    @Test("SIGKILL a host that holds sessions: their leases lapse within the session TTL and are pruned later; none is kept")
    func killedHolder() throws {
        let vault = try ClusterVault()
        try vault.create()
        let ttl = 4
        let holder = try vault.host(1, sessionTTL: ttl)
        let observer = try vault.host(2, sessionTTL: ttl, retention: 2)
        let token = try holder.expectOK("add-token work reports")
        var sessions = [String]()
        for _ in 0..<3 {
            try holder.send("open-session work imap")
            sessions.append(try #require(try holder.expectOK(token[1]).first))
        }
        _ = try holder.expectOK("hold")
        Thread.sleep(forTimeInterval: Double(ttl) + 2)
        func live() throws -> [String: Double] {
            let words = try observer.expectOK("live-leases")
            return Dictionary(uniqueKeysWithValues: (words.first ?? "").split(separator: ",").map { item in
                let parts = item.split(separator: ":")
                return (String(parts[0]), (Double(parts[1]) ?? 0) / 1000)
            })
        }
        #expect(Set(try live().keys) == Set(sessions), "renewals kept the sessions past one TTL")
        holder.signal(SIGKILL)
        holder.wait()
        let killedAt = Date().timeIntervalSince1970
        let expiries = try live()
        #expect(Set(expiries.keys) == Set(sessions))
        #expect(expiries.values.allSatisfy { $0 <= killedAt + Double(ttl) + 0.5 }, "\(expiries) killed at \(killedAt)")
        Thread.sleep(forTimeInterval: max(0, (expiries.values.max() ?? killedAt) - Date().timeIntervalSince1970) + 0.5)
        #expect(try live().isEmpty, "no session lease outlives its TTL without its holder")
        Thread.sleep(forTimeInterval: 2.5)
        _ = try observer.expectOK("grant work imap")
        let stored = try PostgresTestCluster.psql("SELECT count(*) FROM records WHERE kind = 3", database: vault.database)
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "the lapsed sessions were pruned; only the new lease is stored")
    }
}
