import AppVault
import Foundation
import VaultCrypto

/// Run-wide settings: where vaults go, how long each measurement may run, external tools.
struct BenchSettings {
    /// A folder on the disk file system (fsync reaches the device).
    var diskRoot = "/var/tmp"
    /// A folder on tmpfs (fsync is free), to separate CPU cost from disk cost.
    var memoryRoot = "/dev/shm"
    /// Divides sample counts and time budgets (`--quick` for a smoke run).
    var scale = 1.0
    /// Runs only the sections whose name starts with this (`--only`).
    var only: String?
    /// Where the Markdown report goes.
    var output = "docs/benchmarks.md"
    /// Fixtures for the CLI section, prepared by scripts/bench.sh; the section is skipped without them.
    var cli: CLIFixtures?
    /// The running scripts/testservers, for the login and proxy sections; skipped without them.
    var testServers: TestServers?
    /// The size in MiB of the mailbox the proxy section fetches (`APPVAULT_BENCH_PROXY_MB`).
    var proxyMailboxMegabytes = 200
    /// The PostgreSQL server scripts/bench.sh starts, for the PostgreSQL sections; skipped without it.
    var postgres: BenchPostgres?

    func count(_ full: Int) -> Int { max(10, Int(Double(full) * scale)) }
    func seconds(_ full: Double) -> Double { full * scale }
}

/// Paths for the CLI round-trip section.
struct CLIFixtures {
    /// The release `appvault` binary.
    var appvault: String
    /// The installed build (scripts/install/build-release.sh: static stdlib, -z now), when built.
    var appvaultStatic: String?
    /// A static Swift program that imports Foundation and prints one line, built the same way.
    var startupFloor: String?
    /// A throwaway GNUPGHOME with a passphrase-less key, gpg-agent already warm.
    var gnupgHome: String
    /// A `pass` store holding the same number of entries as the vault.
    var passStore: String
    /// A KeePassXC database with the same entries, opened with `keyFile` only.
    var kdbx: String
    var kdbxKeyFile: String
    /// How many entries each store holds.
    var entries: Int
}

/// The local mail servers of scripts/testservers and one of their accounts.
struct TestServers {
    /// The test CA that signed the servers' certificates.
    var caFile: String
    var user: String
    var password: String
    /// What start.sh added to every port (`APPVAULT_TEST_PORT_OFFSET`).
    var portOffset: Int

    /// Dovecot, implicit TLS.
    var imap: Int { 10993 + portOffset }
    /// aiosmtpd, implicit TLS.
    var smtp: Int { 10465 + portOffset }

    /// Reads `bob@example.test`'s test password from the servers' Dovecot passwd file in `folder`,
    /// and the port offset start.sh wrote there.
    static func load(folder: String) -> TestServers? {
        let user = "bob@example.test"
        guard let passwd = try? String(contentsOfFile: folder + "/passwd", encoding: .utf8),
              let line = passwd.split(separator: "\n").first(where: { $0.hasPrefix(user + ":{PLAIN}") })
        else { return nil }
        let password = line.dropFirst(user.count + ":{PLAIN}".count).prefix { $0 != ":" }
        let offset = (try? String(contentsOfFile: folder + "/port-offset", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        return TestServers(caFile: folder + "/ca.pem", user: user, password: String(password), portOffset: offset)
    }

    /// A new vault in `folder`, unlocked, holding only the account `bob` for these servers.
    func vaultWithAccount(in folder: String) throws -> Vault {
        try BenchVault.create(in: folder, accounts: 0)
        let vault = try BenchVault.openUnlocked(folder)
        try addAccount(to: vault)
        return vault
    }

    /// Adds the account `bob` for these servers to `vault`, with a daily download limit of 100 GB:
    /// the fetch section alone downloads about 2 GB (the provider default is 2.5 GB).
    func addAccount(to vault: Vault) throws {
        var spec = try AccountSpec(name: "bob", email: user, provider: "custom",
                                   imap: ServerEndpoint(host: "localhost", port: imap, security: .tls),
                                   smtp: ServerEndpoint(host: "localhost", port: smtp, security: .tls))
        spec.dailyDownloadLimitBytes = 100_000_000_000
        try vault.addAccount(spec, secret: SecureBytes(copying: Array(password.utf8)))
    }
}
