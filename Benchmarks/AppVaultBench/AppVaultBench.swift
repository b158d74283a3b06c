import Foundation

/// `appvault-bench`: measures appvault against baselines taken in the same run, prints the tables
/// and writes them to docs/benchmarks.md. `make bench` runs it through scripts/bench.sh.
///
/// Usage: `appvault-bench [--quick] [--only SECTION] [--output PATH]` (`--only throughput` runs the
/// sections whose name starts with that word, for profiling); the CLI section reads its fixtures from
/// `APPVAULT_BENCH_*` variables set by scripts/bench.sh. Two helper modes serve the scale section
/// and scripts/bench-profile.sh: `seed FOLDER ACCOUNTS` fills a new vault, `probe-scale FOLDER
/// ACCOUNTS SCALE` measures one and prints JSON; `probe-fetch FOLDER MAILBOX 0|1 0|1` is the fetch
/// section's child (attachments too; fsync each file);
/// `pg-host ...` is one host of the PostgreSQL section.
@main
struct AppVaultBench {
    static func main() {
        do {
            try run()
        } catch {
            FileHandle.standardError.write(Data("appvault-bench: error: \(error)\n".utf8))
            exit(1)
        }
    }

    private static func run() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "probe-scale", arguments.count == 4,
           let accounts = Int(arguments[2]), let scale = Double(arguments[3]) {
            return try ScaleProbe.main(folder: arguments[1], accounts: accounts, scale: scale)
        }
        if arguments.first == "probe-fetch", arguments.count == 5 {
            return try FetchProbe.main(folder: arguments[1], mailbox: arguments[2], attachments: arguments[3] == "1",
                                       durable: arguments[4] == "1")
        }
        if arguments.first == "pg-host" {
            return try SessionCycle.host(arguments: Array(arguments.dropFirst()))
        }
        if arguments.first == "seed", arguments.count == 3, let accounts = Int(arguments[2]) {
            let elapsed = try BenchVault.create(in: arguments[1], accounts: accounts)
            return print("seeded \(accounts) accounts in \(Format.duration(elapsed))")
        }
        let settings = try BenchArguments.parse(arguments)
        let machine = MachineInfo.current()
        print("appvault-bench on \(machine.cpuModel), \(machine.cores) cores, \(machine.memory), \(machine.kernel)")
        let start = monotonicNanoseconds()
        var tables = [Table]()
        let sections: [(String, (BenchSettings) throws -> Table)] = [
            ("crypto floor", CryptoFloor.run), ("throughput", Throughput.run), ("scale", Scale.run),
            ("CLI round trip", CLIRoundTrip.run), ("login", Login.run), ("unlock", Unlock.run), ("proxy", ProxyBench.run),
            ("fetch", Fetch.run),
            ("postgres hosts", Postgres.hosts), ("postgres scale", Postgres.scale),
        ]
        // Sections keep their number (their place in this list) when --only skips others, so the
        // notes' cross-references ("section 2's baseline") stay true.
        for (index, (name, section)) in sections.enumerated() where settings.only.map({ name.hasPrefix($0) }) ?? true {
            print("measuring \(name)...")
            var table = try section(settings)
            table.title = "\(index + 1). " + table.title
            print(ReportWriter.text(table))
            tables.append(table)
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let command = "make bench" + (settings.scale < 1 ? " (quick)" : "")
        try ReportWriter.markdown(tables, machine: machine, command: command, elapsed: elapsed)
            .write(toFile: settings.output, atomically: true, encoding: .utf8)
        print("wrote \(settings.output) after \(String(format: "%.0f", elapsed)) s")
    }
}

/// Command-line options and the CLI fixtures from the environment.
enum BenchArguments {
    static func parse(_ arguments: [String]) throws -> BenchSettings {
        var settings = BenchSettings()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--quick": settings.scale = 0.1
            case "--only":
                guard let name = remaining.popFirst() else { throw Subprocess.Failure(description: "--only needs a section name") }
                settings.only = name
            case "--output":
                guard let path = remaining.popFirst() else { throw Subprocess.Failure(description: "--output needs a path") }
                settings.output = path
            default: throw Subprocess.Failure(description: "unknown argument \(argument); usage: appvault-bench [--quick] [--only SECTION] [--output PATH]")
            }
        }
        let environment = ProcessInfo.processInfo.environment
        if let appvault = environment["APPVAULT_BENCH_APPVAULT"], let gnupg = environment["APPVAULT_BENCH_GNUPGHOME"],
           let store = environment["APPVAULT_BENCH_PASS_STORE"], let kdbx = environment["APPVAULT_BENCH_KDBX"],
           let keyFile = environment["APPVAULT_BENCH_KDBX_KEY"],
           let entries = environment["APPVAULT_BENCH_ENTRIES"].flatMap(Int.init) {
            settings.cli = CLIFixtures(appvault: appvault, appvaultStatic: environment["APPVAULT_BENCH_APPVAULT_STATIC"],
                                       startupFloor: environment["APPVAULT_BENCH_STARTUP_FLOOR"],
                                       gnupgHome: gnupg, passStore: store, kdbx: kdbx, kdbxKeyFile: keyFile,
                                       entries: entries)
        }
        settings.proxyMailboxMegabytes = environment["APPVAULT_BENCH_PROXY_MB"].flatMap(Int.init)
            ?? (settings.scale < 1 ? 20 : settings.proxyMailboxMegabytes)
        if let folder = environment["APPVAULT_TEST_SERVERS"], !folder.isEmpty {
            settings.testServers = TestServers.load(folder: folder)
        }
        settings.postgres = BenchPostgres.load(environment: environment)
        return settings
    }
}
