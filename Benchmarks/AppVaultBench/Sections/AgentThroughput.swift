import AppVault
import Foundation
import Logging
import Synchronization
import VaultAgent

/// The agent rows of section 2: `clients` threads, each with its own `AgentClient` (one
/// connection kept open), sending control requests to an `AgentServer` on a Unix socket in this
/// process: a `grant-login` and a `revoke-lease` (each a write transaction of the vault) and a
/// `status` (a read).
enum AgentThroughput {
    struct Result {
        /// Full grant + status + revoke cycles per second, all clients together.
        var cyclesPerSecond: Double
        /// Latency of each request that writes the vault (grant, revoke): one round trip.
        var writes: Latencies
        /// Latency of each request that only reads (status).
        var reads: Latencies
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
    /// With `writing` false each cycle is only the `status`.
    static func run(socket: String, clients: Int, accounts: Int, writing: Bool = true, settings: BenchSettings) throws -> Result {
        let results = Mutex<[(writes: Latencies, reads: Latencies)]>([])
        let failure = Mutex<String?>(nil)
        let done = DispatchGroup()
        let seconds = settings.seconds(6)
        let start = monotonicNanoseconds()
        for clientIndex in 0..<clients {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                let client = AgentClient(socketPath: socket)
                var writes = [Double](), reads = [Double]()
                var index = clientIndex
                let deadline = start + UInt64(seconds * 1e9)
                do {
                    while reads.count < 20 || monotonicNanoseconds() < deadline {
                        index += clients
                        let account = BenchVault.accountName(index % accounts)
                        guard writing else {
                            reads.append(try timeOnce { try client.status() }.1)
                            continue
                        }
                        let (lease, grant) = try timeOnce {
                            try client.grantLogin(account: account, for: .imap) { lease, _ in lease.id }
                        }
                        let (_, status) = try timeOnce { try client.status() }
                        let (_, revoke) = try timeOnce { try client.revokeLease(id: lease) }
                        writes += [grant, revoke]
                        reads.append(status)
                    }
                    results.withLock { $0.append((Latencies(nanoseconds: writes), Latencies(nanoseconds: reads))) }
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
        let collected = results.withLock { $0 }
        let reads = Latencies.merged(collected.map(\.reads))
        return Result(cyclesPerSecond: Double(reads.count) / (wall / 1e9), writes: Latencies.merged(collected.map(\.writes)),
                      reads: reads, cycles: reads.count)
    }
}
