internal import CSodium
import AppVault
import VaultCrypto

/// Section 1: the cost of one secret read in appvault against one raw `crypto_secretbox_open_easy`.
enum CryptoFloor {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Crypto floor: one secret read",
            baseline: "one `crypto_secretbox_open_easy` of a 16-byte secret, called directly through CSodium",
            columns: ["operation", "samples", "median", "p99", "median / baseline"])
        let raw = rawOpen(count: settings.count(200_000))
        let guarded = try guardedOpen(count: settings.count(50_000))
        table.add(row("raw secretbox open (baseline)", raw, baseline: raw))
        table.add(row("VaultCrypto `SecretBox.open` (guarded memory)", guarded, baseline: raw))
        let allocation = try timeEach(settings.count(50_000)) { _ = try SecureBytes(zeroedCount: 48) }
        table.add(row("one guarded allocation + free (`sodium_malloc`/`sodium_free`, 48 bytes)", allocation, baseline: raw))

        for place in [settings.diskRoot, settings.memoryRoot] {
            let folder = BenchVault.privateFolder(under: place)
            defer { try? BenchFiles.remove(folder) }
            try BenchVault.create(in: folder, accounts: 10)
            let vault = try BenchVault.openUnlocked(folder)
            for index in 0..<20 { try LeaseCycle.run(vault, account: BenchVault.accountName(index % 10)) }
            var index = 0
            let cycle = try timeEach(upTo: settings.count(20_000), seconds: settings.seconds(8)) {
                index += 1
                try LeaseCycle.run(vault, account: BenchVault.accountName(index % 10))
            }
            let label = place == settings.diskRoot
                ? "appvault `lease` + `redeem`, vault on \(BenchFiles.fileSystem(of: place)) (\(place))"
                : "same, vault on tmpfs (\(place)): no disk I/O at all"
            table.add(row(label, cycle, baseline: raw))
        }
        table.notes = [
            "Target: in-process lease grant + read within 20x of the raw open.",
            "`lease` + `redeem` is two SQLite IMMEDIATE transactions (lease row + `lease.grant` audit record; "
                + "use count + `lease.use` audit record), a per-account subkey derivation and the open itself.",
            "Where the rest goes: a redeem makes three guarded allocations (account subkey, plaintext with its "
                + "binding, the secret handed to the connector), each an mmap + mprotect + mlock and the reverse; "
                + "the two transactions cost at least two durable commits (section 2's baseline) plus GRDB row decoding.",
        ]
        return table
    }

    private static func row(_ label: String, _ latencies: Latencies, baseline: Latencies) -> [String] {
        [label, Format.count(latencies.count), Format.duration(latencies.median), Format.duration(latencies.p99),
         Format.ratio(latencies.median / baseline.median)]
    }

    /// Times raw opens of one sealed 16-byte message.
    private static func rawOpen(count: Int) -> Latencies {
        _ = sodium_init()
        let keyBytes = Int(crypto_secretbox_keybytes()), nonceBytes = Int(crypto_secretbox_noncebytes())
        let macBytes = Int(crypto_secretbox_macbytes())
        var key = [UInt8](repeating: 0, count: keyBytes)
        var nonce = [UInt8](repeating: 0, count: nonceBytes)
        randombytes_buf(&key, keyBytes)
        randombytes_buf(&nonce, nonceBytes)
        let message = [UInt8](repeating: 0x61, count: 16)
        var sealed = [UInt8](repeating: 0, count: macBytes + 16)
        _ = crypto_secretbox_easy(&sealed, message, 16, nonce, key)
        var opened = [UInt8](repeating: 0, count: 16)
        var failures = 0
        let latencies = timeEach(count) {
            if crypto_secretbox_open_easy(&opened, sealed, UInt64(sealed.count), nonce, key) != 0 { failures += 1 }
        }
        sodium_memzero(&key, keyBytes)
        precondition(failures == 0 && opened == message, "raw secretbox open failed")
        return latencies
    }

    /// Times VaultCrypto's open, which also allocates guarded memory for the plaintext.
    private static func guardedOpen(count: Int) throws -> Latencies {
        let key = try SecureBytes.random(count: SecretBox.keyBytes)
        let message = [UInt8](repeating: 0x61, count: 16)
        let sealed = try message.withUnsafeBytes { bytes in try SecretBox.seal(bytes: bytes, key: key) }
        return try timeEach(count) { _ = try SecretBox.open(sealed, key: key) }
    }
}
