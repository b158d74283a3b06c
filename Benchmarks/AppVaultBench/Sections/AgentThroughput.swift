import AppVault
import Foundation
import Logging
import Synchronization
import VaultAgent

/// The agent rows of section 2: `clients` threads, each with its own `AgentClient`, sending
/// control requests (a `grant-login`, which writes the vault, then a `status`) to an `AgentServer`
/// on a Unix socket in this process.
enum AgentThroughput {
    struct Result {
        /// Full grant + status cycles per second, all clients together.
        var cyclesPerSecond: Double
        /// Latency of each single request (grant or status): one socket round trip.
        var roundTrips: Latencies
        var cycles: Int
    }

    /// Starts an agent on `vault` with a socket in `folder`, runs `body` with its socket path, stops it.
    static func withAgent<T>(vault: Vault, folder: String, maxConnections: Int, _ body: (String) throws -> T) throws -> T {
        let socket = folder + "/agent/agent.sock"
        let server = try AgentServer(
            vault: vault,
            configuration: AgentConfiguration(socketPath: socket, idleLock: nil, maxConnections: maxConnections,
                                              hardenProcess: false),
            logger: Logger(label: "appvault-bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        return try body(socket)
    }

    /// Runs `clients` client threads for the time budget and collects their latencies.
    static func run(socket: String, clients: Int, accounts: Int, settings: BenchSettings) throws -> Result {
        let results = Mutex<[Latencies]>([])
        let failure = Mutex<String?>(nil)
        let done = DispatchGroup()
        let seconds = settings.seconds(6)
        let start = monotonicNanoseconds()
        for clientIndex in 0..<clients {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                let client = AgentClient(socketPath: socket)
                var samples = [Double]()
                var index = clientIndex
                let deadline = start + UInt64(seconds * 1e9)
                do {
                    while samples.count < 20 || monotonicNanoseconds() < deadline {
                        index += clients
                        let account = BenchVault.accountName(index % accounts)
                        let (_, grant) = try timeOnce {
                            try client.grantLogin(account: account, for: .imap) { _, password in password.count }
                        }
                        let (_, status) = try timeOnce { try client.status() }
                        samples += [grant, status]
                    }
                    results.withLock { $0.append(Latencies(nanoseconds: samples)) }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
        }
        done.wait()
        let wall = Double(monotonicNanoseconds() - start)
        if let message = failure.withLock({ $0 }) {
            throw Subprocess.Failure(description: "agent client failed: \(message)")
        }
        let roundTrips = Latencies.merged(results.withLock { $0 })
        let cycles = roundTrips.count / 2
        return Result(cyclesPerSecond: Double(cycles) / (wall / 1e9), roundTrips: roundTrips, cycles: cycles)
    }
}
