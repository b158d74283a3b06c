import AppVault
import Foundation
import Glibc
import MailProxy
import Testing
import TestSupport

/// Hostile local clients cost only themselves: garbage, huge lines and literals, slow drips and a
/// thousand idle connections neither crash the proxy nor keep others from logging in.
@Suite("Hostile clients")
struct HostileClientTests {
    private let reader = ProxyTestServers.reader

    /// A legitimate login on `harness` works.
    private func legitimateLogin(_ harness: ProxyHarness) throws -> Bool {
        let client = try LineClient(port: harness.port)
        defer { client.send("z LOGOUT\r\n") }
        return client.imapLogin(account: reader.account, token: reader.token)?.hasPrefix("a OK [CAPABILITY") == true
    }

    @Test("garbage gets BAD replies and the line limit, and others still log in")
    func garbage() throws {
        let harness = try ProxyHarness(protocol: .imap, authority: try ProxyTestServers.authority(), logs: LogCapture())
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let client = try LineClient(port: harness.port)
            let noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            client.send(bytes: noise)
            let reply = client.readFor(.milliseconds(500))
            #expect(reply.contains(" BAD ") || reply.contains("* BYE Line or literal too long"))
        }
        #expect(try legitimateLogin(harness))
    }

    @Test("a 1 MB line is refused at once, IMAP and SMTP", arguments: [MailProtocol.imap, .smtp])
    func megabyteLine(proto: MailProtocol) throws {
        let harness = try ProxyHarness(protocol: proto, authority: try ProxyTestServers.authority(), logs: LogCapture())
        let client = try LineClient(port: harness.port)
        _ = client.readLine()
        let start = ContinuousClock.now
        client.send(bytes: [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20))
        let ending = client.readToEnd(timeout: .seconds(5))
        #expect(ending == (proto == .imap ? "* BYE Line or literal too long\r\n" : "500 5.5.6 Line too long\r\n"))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("a literal announcing 2 GB is refused: BAD when synchronizing, closed when not")
    func hugeLiteral() throws {
        let harness = try ProxyHarness(protocol: .imap, authority: try ProxyTestServers.authority(), logs: LogCapture())
        let client = try LineClient(port: harness.port)
        _ = client.readLine()
        client.send("a LOGIN pia {2147483648}\r\n")
        #expect(client.readLine() == "a BAD Literal too long")
        client.send("b LOGIN pia {2147483648+}\r\n")
        #expect(client.readToEnd() == "* BYE Line or literal too long\r\n")
    }

    @Test("a client dripping one byte at a time is cut off at the pre-login deadline")
    func slowDrip() throws {
        let configuration = ProxyHarness.configuration(preLoginTimeout: .milliseconds(1500))
        let harness = try ProxyHarness(protocol: .imap, authority: try ProxyTestServers.authority(),
                                       configuration: configuration, logs: LogCapture())
        let client = try LineClient(port: harness.port)
        _ = client.readLine()
        let start = ContinuousClock.now
        var open = true
        for byte in Array("a LOGIN pia \"avt-drip-drip-drip-drip-drip-drip-drip\"\r\n".utf8) where open {
            open = client.send(bytes: [byte])
            usleep(100_000)
            if ContinuousClock.now - start > .seconds(4) { break }
        }
        let elapsed = ContinuousClock.now - start
        #expect(!open, "still open after \(elapsed)")
        #expect(elapsed < .seconds(3))
    }

    @Test("1,000 idle connections are each served by a cheap thread, and a real client still gets through")
    func thousandConnections() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, 16384)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let configuration = ProxyHarness.configuration(preLoginTimeout: .seconds(60))
        let harness = try ProxyHarness(protocol: .imap, authority: try ProxyTestServers.authority(),
                                       configuration: configuration, logs: LogCapture())
        let threadsBefore = ProcessStats.threads(), rssBefore = ProcessStats.residentKiB()
        var clients: [LineClient] = []
        for _ in 0..<1000 {
            let client = try LineClient(port: harness.port)
            clients.append(client)
        }
        let greeted = clients.filter { $0.readLine(timeout: .seconds(20))?.hasPrefix("* OK [CAPABILITY") == true }.count
        let threadsDuring = ProcessStats.threads(), rssDuring = ProcessStats.residentKiB()
        let perConnection = Double(rssDuring - rssBefore) / 1000
        print("1,000 pre-login connections: \(threadsDuring - threadsBefore) more threads, RSS +\(rssDuring - rssBefore) KiB "
              + "(\(String(format: "%.1f", perConnection)) KiB per connection, thread stacks \(MailProxy.threadStackBytes / 1024) KiB reserved)")
        #expect(greeted == 1000)
        #expect(threadsDuring - threadsBefore >= 990)  // other suites' threads come and go meanwhile
        #expect(perConnection < 200, "RSS per connection \(perConnection) KiB")
        #expect(try legitimateLogin(harness))
        clients.removeAll()
        let deadline = ContinuousClock.now + .seconds(10)
        while ProcessStats.threads() > threadsBefore + 50 && ContinuousClock.now < deadline { usleep(50_000) }
        #expect(ProcessStats.threads() <= threadsBefore + 50, "threads did not end with their connections")
    }
}

/// This process's threads and resident memory, from /proc.
enum ProcessStats {
    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    static func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
