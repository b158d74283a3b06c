import AppVault
import Foundation
import Glibc
import PostgresStore
import VaultCrypto

/// One login-lease grant and proxied session start, as an agent does it for a mail client: the
/// grant writes the lease (`lease.grant`); the client's LOGIN with the lease password opens the
/// session (`session.open`, the lease becomes the session's); the upstream login spends its use
/// and opens the secret (`lease.use`); the session's end releases it (`session.end`). Four
/// write transactions.
enum SessionCycle {
    /// Write transactions per cycle.
    static let commits = 4

    static func run(_ vault: Vault, account: String) throws {
        let granted = try vault.grantLoginLease(account: account, for: .imap, holder: "bench")
        let session = try granted.revealPassword { password in
            try vault.openSession(account: account, credential: SecureBytes(copying: password), protocol: .imap, holder: "bench")
        }
        let length = try vault.redeem(session, for: .imap) { secret in secret.withUnsafeBytes { $0.count } }
        precondition(length == 16, "unexpected secret length \(length)")
        vault.endSession(id: session.id, SessionEnd(bytesFromUpstream: 0, bytesToUpstream: 0, duration: .zero, reason: "bench"))
    }

    /// What one host measured.
    struct Result: Codable {
        var cycles: Int
        var wallNanoseconds: Double
        var median: Double
        var p99: Double
    }

    /// Runs cycles on `vault` over accounts `first..<first+count` (round robin) for `seconds`;
    /// the latencies and the wall time they took.
    static func measure(_ vault: Vault, first: Int, count: Int, seconds: Double) throws -> (Latencies, Double) {
        var next = 0
        let started = monotonicNanoseconds()
        let latencies = try timeEach(upTo: 1_000_000, seconds: seconds, minimum: 20) {
            try run(vault, account: BenchVault.accountName(first + next % count))
            next += 1
        }
        return (latencies, Double(monotonicNanoseconds() - started))
    }

    /// Child side of a host (`appvault-bench pg-host ADDRESS KEY-FILE FIRST COUNT SECONDS START`): opens
    /// the vault at ADDRESS, unlocks it with the key file, waits until the wall-clock second START
    /// so that every host runs at once, measures, and prints the result as JSON.
    static func host(arguments: [String]) throws {
        guard arguments.count == 6, let first = Int(arguments[2]), let count = Int(arguments[3]),
              let seconds = Double(arguments[4]), let start = Double(arguments[5])
        else { throw Subprocess.Failure(description: "usage: pg-host ADDRESS KEY-FILE FIRST COUNT SECONDS START") }
        let vault = try Vault.open(store: PostgresStore.open(PostgresAddress(parsing: arguments[0])),
                                   configuration: VaultConfiguration(actor: "bench"))
        try vault.unlock(with: MasterCredential.readKeyFile(at: arguments[1]))
        for index in 0..<5 { try run(vault, account: BenchVault.accountName(first + index % count)) }
        let wait = start - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        let (latencies, wall) = try measure(vault, first: first, count: count, seconds: seconds)
        let result = Result(cycles: latencies.count, wallNanoseconds: wall, median: latencies.median, p99: latencies.p99)
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }
}
