import Glibc

/// Section 4: one command-line round trip (spawn to exit) for appvault against `pass` and KeePassXC.
enum CLIRoundTrip {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "CLI round trip: spawn to exit",
            baseline: "`pass show` of one entry (gpg-agent warm, throwaway GNUPGHOME and key)",
            columns: ["command", "entries", "runs", "median", "p99", "median / baseline"])
        guard let fixtures = settings.cli else {
            table.notes = ["Skipped: run through `make bench` (scripts/bench.sh prepares pass, gpg and KeePassXC)."]
            return table
        }
        let entry = BenchVault.accountName(fixtures.entries / 2)
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }
        let staging = BenchVault.privateFolder(under: settings.memoryRoot)
        defer { try? BenchFiles.remove(staging) }
        try BenchVault.create(in: staging, accounts: fixtures.entries)
        if let servers = settings.testServers { try servers.addAccount(to: BenchVault.openUnlocked(staging)) }
        try BenchVault.copy(from: staging, to: folder)

        let pass = try time(["pass", "show", entry], settings: settings,
                            environment: ["PASSWORD_STORE_DIR": fixtures.passStore, "GNUPGHOME": fixtures.gnupgHome])
        var measured = [("`pass show NAME` (baseline)", pass)]
        measured.append(("`keepassxc-cli show -a Password DB NAME` (key file)", try time(
            ["keepassxc-cli", "show", "--quiet", "--no-password", "--key-file", fixtures.kdbxKeyFile,
             "--attributes", "Password", fixtures.kdbx, entry], settings: settings, environment: [:], runs: 10)))

        let socket = folder + "/agent/agent.sock"
        // In-process: the vault unlocked with its key file (no Argon2id), no agent found.
        let vaultEnvironment = ["APPVAULT_VAULT": BenchVault.vaultPath(folder), "APPVAULT_KEY_FILE": BenchVault.keyPath(folder),
                                "APPVAULT_AGENT_SOCK": folder + "/no-agent/agent.sock"]
        let agentEnvironment = ["APPVAULT_VAULT": BenchVault.vaultPath(folder), "APPVAULT_AGENT_SOCK": socket]
        let agent = try startAgent(fixtures.appvault, folder: folder, socket: socket, caFile: settings.testServers?.caFile)
        defer { Subprocess.stop(agent) }
        var installedStatus: Latencies?
        for (binary, build) in [(fixtures.appvault, "")] + (fixtures.appvaultStatic.map { [($0, ", static stdlib")] } ?? []) {
            measured.append(("`appvault list` in-process (opens and unlocks the file with its key file)\(build)",
                             try time([binary, "list"], settings: settings, environment: vaultEnvironment)))
            measured.append(("`appvault list --json` in-process\(build)",
                             try time([binary, "list", "--json"], settings: settings, environment: vaultEnvironment)))
            measured.append(("`appvault list` through the running agent\(build)",
                             try time([binary, "list"], settings: settings, environment: agentEnvironment)))
            let status = try time([binary, "agent", "status", "--socket", socket], settings: settings, environment: [:])
            measured.append(("`appvault agent status` (through the running agent)\(build)", status))
            if binary == fixtures.appvaultStatic { installedStatus = status }
            measured.append(("`appvault leases` (through the running agent)\(build)",
                             try time([binary, "leases", "--socket", socket], settings: settings, environment: [:])))
            if let servers = settings.testServers {
                measured.append(("`appvault verify bob`: IMAP + SMTP logins (through the agent when it serves the vault)\(build)",
                                 try time([binary, "verify", "bob", "--ca-file", servers.caFile],
                                          settings: settings, environment: agentEnvironment.merging(["APPVAULT_KEY_FILE": BenchVault.keyPath(folder)]) { $1 })))
            }
        }
        var startupNote: String?
        if let floor = fixtures.startupFloor, let installed = fixtures.appvaultStatic, let installedStatus {
            let floorTimes = try time([floor], settings: settings, environment: [:])
            let version = try time([installed, "--version"], settings: settings, environment: [:])
            measured.append(("start-up floor: a static Swift program importing Foundation, printing one line", floorTimes))
            measured.append(("`appvault --version`: start-up alone (loading, runtime, command-line parsing), static stdlib", version))
            var info = stat()
            let size = stat(installed, &info) == 0 ? Int(info.st_size) : 0
            startupNote = breakdown(floor: floorTimes.median, version: version.median, status: installedStatus.median,
                                    binaryMegabytes: size >> 20)
        }
        let entries = Format.count(fixtures.entries)
        for (label, latencies) in measured {
            table.add([label, entries, String(latencies.count), Format.duration(latencies.median),
                       Format.duration(latencies.p99), Format.ratio(latencies.median / pass.median)])
        }
        if settings.testServers == nil {
            table.add(["`appvault verify` against the local test servers", entries, "-", "-", "-",
                       "skipped: test servers not running"])
        }
        table.notes = [
            "Target: an appvault CLI round trip at least 5x faster than `pass show` (ratio <= 0.20).",
            "Each command is started with posix_spawn, output to /dev/null; two warm-up runs are not counted.",
            "The agent is `appvault agent run` on the same vault, unlocked with its key file, no idle lock. "
                + "`verify` logs in to the local Dovecot and aiosmtpd of section 5 through the agent's endpoints (a login lease each).",
            "KeePassXC re-derives its database key on every call (database made by `keepassxc-cli import` with its "
                + "default decryption time); it has no agent.",
            "\"static stdlib\": the installed binary, built as `make install` and `make deb` build it "
                + "(scripts/install/build-release.sh: `--static-swift-stdlib`, `-z now`); the difference from the "
                + "rows above is the dynamic loading of the Swift runtime and Foundation at every start.",
        ]
        if let startupNote { table.notes.append(startupNote) }
        return table
    }

    /// Where the installed CLI's round trip through the agent goes, from three medians of one run
    /// (nanoseconds).
    private static func breakdown(floor: Double, version: Double, status: Double, binaryMegabytes: Int) -> String {
        "Start-up, from the static rows (medians): of `agent status`'s \(Format.duration(status)), "
            + "\(Format.duration(floor)) is the floor any static Swift program importing Foundation pays, "
            + "\(Format.duration(version - floor)) is appvault's own start-up (`--version` minus the floor: a "
            + "\(binaryMegabytes) MiB binary's relocations and page faults, the argument parser building the command tree), and "
            + "\(Format.duration(status - version)) is the request (socket and peer checks, one round trip, "
            + "printing). docs/performance.md says what a profile of that start-up shows."
    }

    /// Starts `appvault agent run` on the vault in `folder` (trusting `caFile` for its upstream
    /// logins), unlocks it, and waits until it answers.
    private static func startAgent(_ appvault: String, folder: String, socket: String, caFile: String?) throws -> pid_t {
        let pid = try Subprocess.start([appvault, "agent", "run", "--socket", socket, "--idle-lock", "off"]
                                           + (caFile.map { ["--ca-file", $0] } ?? []),
                                       environment: ["APPVAULT_VAULT": BenchVault.vaultPath(folder)])
        for _ in 0..<100 {
            if (try? Subprocess.run([appvault, "agent", "status", "--socket", socket], quiet: true)) != nil {
                try Subprocess.run([appvault, "unlock", "--socket", socket, "--key-file", BenchVault.keyPath(folder)])
                return pid
            }
            usleep(50_000)
        }
        Subprocess.stop(pid)
        throw Subprocess.Failure(description: "the agent did not answer on \(socket) within 5 s")
    }

    private static func time(_ command: [String], settings: BenchSettings, environment: [String: String],
                             runs: Int = 40) throws -> Latencies {
        for _ in 0..<2 { try Subprocess.run(command, environment: environment) }
        var samples = [Double]()
        let deadline = monotonicNanoseconds() + UInt64(settings.seconds(15) * 1e9)
        while samples.count < settings.count(runs) && (samples.count < 5 || monotonicNanoseconds() < deadline) {
            samples.append(try Subprocess.run(command, environment: environment).nanoseconds)
        }
        return Latencies(nanoseconds: samples)
    }
}
