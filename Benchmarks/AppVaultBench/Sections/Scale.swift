import AppVault
import Foundation

/// Section 3: open time, lease latency, file size and resident memory as the vault grows.
///
/// Each vault is probed by a fresh child process (`appvault-bench probe-scale`), so resident memory
/// is that of one process holding one vault, not the sum of everything measured before.
enum Scale {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Scale: cost per operation as accounts grow",
            baseline: "the same measurement on the 10-account vault",
            columns: ["accounts", "seeding (`addAccount`, 1 transaction each)", "open (no KDF)", "lease + read median",
                      "p99", "median / baseline", "file size", "VmRSS"])
        let sizes = [10, 1_000, settings.scale < 1 ? 10_000 : 100_000]
        var baseline: ScaleProbe.Result?
        for accounts in sizes {
            let folder = BenchVault.privateFolder(under: settings.diskRoot)
            defer { try? BenchFiles.remove(folder) }
            let seeding = try seed(accounts: accounts, into: folder, settings: settings)
            let result = try ScaleProbe.spawn(folder: folder, accounts: accounts, settings: settings)
            baseline = baseline ?? result
            table.add([Format.count(accounts), seeding, Format.duration(result.openMedian),
                       Format.duration(result.leaseMedian), Format.duration(result.leaseP99),
                       Format.ratio(result.leaseMedian / baseline!.leaseMedian),
                       Format.bytes(BenchVault.fileSize(folder)), Format.bytes(result.residentKiB * 1024)])
        }
        table.notes = [
            "Target: flat cost per operation from 10 to 100 000 accounts.",
            "Vaults of up to 1 000 accounts are filled on disk; larger ones through the same `addAccount` "
                + "API on tmpfs (\(settings.memoryRoot)), then copied to \(settings.diskRoot) (no bulk path exists). "
                + "The seeding column gives the time per `addAccount` where it ran.",
            "Open = `Vault.open` (checks file, header checksum), median of 5 in the child process; unlocking uses a key "
                + "file, so no Argon2id. Lease latency picks a random account per operation.",
            "p99 on disk is set by SQLite's WAL checkpoints (every ~1 000 pages, fsynced with `synchronous = FULL`); "
                + "compare the tmpfs row of section 1.",
        ]
        return table
    }

    /// Fills `folder` with `accounts` accounts; describes how long one `addAccount` took.
    private static func seed(accounts: Int, into folder: String, settings: BenchSettings) throws -> String {
        if accounts <= 1_000 {
            let elapsed = try BenchVault.create(in: folder, accounts: accounts)
            return "\(Format.duration(elapsed / Double(accounts)))/account on disk"
        }
        let staging = BenchVault.privateFolder(under: settings.memoryRoot)
        defer { try? BenchFiles.remove(staging) }
        let elapsed = try BenchVault.create(in: staging, accounts: accounts)
        try BenchVault.copy(from: staging, to: folder)
        return "\(Format.duration(elapsed / Double(accounts)))/account on tmpfs (\(String(format: "%.0f s", elapsed / 1e9)) total)"
    }
}

/// The child-process half of the scale section.
enum ScaleProbe {
    struct Result: Codable {
        var openMedian: Double
        var leaseMedian: Double
        var leaseP99: Double
        var residentKiB: Int
    }

    /// Runs `appvault-bench probe-scale` on `folder` and reads its one-line JSON answer.
    static func spawn(folder: String, accounts: Int, settings: BenchSettings) throws -> Result {
        let (output, _) = try Subprocess.run(
            [selfExecutable(), "probe-scale", folder, String(accounts), String(settings.scale)], capture: true)
        return try JSONDecoder().decode(Result.self, from: Data(output.utf8))
    }

    /// Child side: measures the vault in `folder` and prints the result as JSON.
    static func main(folder: String, accounts: Int, scale: Double) throws {
        // Keep the opened vaults until after timing: closing the last connection checkpoints the WAL
        // and fsyncs, which is not part of opening.
        var opened = [Vault]()
        let opens = try timeEach(5) {
            opened.append(try Vault.open(at: BenchVault.vaultPath(folder), configuration: VaultConfiguration(actor: "bench")))
        }
        opened.removeAll()
        let vault = try BenchVault.openUnlocked(folder)
        for _ in 0..<20 { try LeaseCycle.run(vault, account: BenchVault.accountName(Int.random(in: 0..<accounts))) }
        let settings = BenchSettings(scale: scale)
        let leases = try timeEach(upTo: settings.count(5_000), seconds: settings.seconds(6)) {
            try LeaseCycle.run(vault, account: BenchVault.accountName(Int.random(in: 0..<accounts)))
        }
        let result = Result(openMedian: opens.median, leaseMedian: leases.median, leaseP99: leases.p99,
                            residentKiB: ProcStatus.residentKiB())
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }
}
