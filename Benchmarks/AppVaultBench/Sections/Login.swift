import AppVault
import Logging
import MailConnectors

/// Section 5: a connector login (lease, TLS, AUTHENTICATE, LOGOUT/QUIT) against `curl` doing the
/// same login, both against the local test servers of scripts/testservers.
enum Login {
    static func run(settings: BenchSettings) throws -> Table {
        var table = Table(
            title: "Login: lease + TLS + AUTHENTICATE + LOGOUT",
            baseline: "`curl imaps://` / `curl smtps://` (`-X NOOP`, credentials from a netrc file) logging in to the same local server",
            columns: ["path", "runs", "median", "p99", "median / baseline"])
        guard let servers = settings.testServers else {
            table.notes = ["Skipped: run through `make bench`, which starts scripts/testservers."]
            return table
        }
        let folder = BenchVault.privateFolder(under: settings.diskRoot)
        defer { try? BenchFiles.remove(folder) }
        let vault = try servers.vaultWithAccount(in: folder)
        let netrc = folder + "/netrc"
        try "machine localhost login \(servers.user) password \(servers.password)\n"
            .write(toFile: netrc, atomically: true, encoding: .utf8)
        let options = ConnectionOptions(caFile: servers.caFile)
        let logger = Logger(label: "appvault-bench", factory: { _ in SwiftLogNoOpLogHandler() })

        let curlIMAP = try curl(["imaps://localhost:\(servers.imap)/"], servers: servers, netrc: netrc, settings: settings)
        let imap = try timeEach(upTo: settings.count(200), seconds: settings.seconds(8), minimum: 10) {
            let lease = try vault.lease(account: "bob", for: .imap, holder: "bench")
            try IMAPClient.connect(lease: lease, redeemer: vault, options: options, logger: logger).logout()
        }
        let curlSMTP = try curl(["smtps://localhost:\(servers.smtp)/"], servers: servers, netrc: netrc, settings: settings)
        let smtp = try timeEach(upTo: settings.count(200), seconds: settings.seconds(8), minimum: 10) {
            let lease = try vault.lease(account: "bob", for: .smtp, holder: "bench")
            try SMTPClient.connect(lease: lease, redeemer: vault, options: options, logger: logger).quit()
        }
        let curlStart = try timeEach(upTo: settings.count(100), seconds: settings.seconds(3), minimum: 10) {
            try Subprocess.run(["curl", "--version"])
        }
        for (label, latencies, baseline) in [("`curl --version`: starting curl, no network (for reference)", curlStart, curlIMAP),
                                            ("curl imaps:// (baseline)", curlIMAP, curlIMAP),
                                            ("appvault `IMAPClient`, in-process lease", imap, curlIMAP),
                                            ("curl smtps:// AUTH (baseline)", curlSMTP, curlSMTP),
                                            ("appvault `SMTPClient`, in-process lease", smtp, curlSMTP)] {
            table.add([label, String(latencies.count), Format.duration(latencies.median),
                       Format.duration(latencies.p99), Format.ratio(latencies.median / baseline.median)])
        }
        table.notes = [
            "Target: connector login no slower than curl's (ratio <= 1.00).",
            "curl rows include starting the curl process; the connector rows run in this process and include the "
                + "lease grant and redeem (two vault transactions). Servers: scripts/testservers (Dovecot on "
                + "\(servers.imap), aiosmtpd on \(servers.smtp), implicit TLS, certificates from its own CA), "
                + "account \(servers.user).",
            "The `curl --version` row is curl's process start alone: subtract it from a curl row to compare the "
                + "network work with the connector's.",
        ]
        return table
    }

    private static func curl(_ url: [String], servers: TestServers, netrc: String, settings: BenchSettings) throws -> Latencies {
        let command = ["curl", "--silent", "--show-error", "--cacert", servers.caFile, "--netrc-file", netrc, "-X", "NOOP"] + url
        try Subprocess.run(command)
        return try timeEach(upTo: settings.count(200), seconds: settings.seconds(8), minimum: 10) {
            try Subprocess.run(command)
        }
    }
}
