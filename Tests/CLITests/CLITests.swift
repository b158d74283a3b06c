import Foundation
import Glibc
import Testing
import TestSupport

@Suite("appvault command line")
struct CLITests {
    static let gmailPassword = "abcd efgh ijkl mnop"

    func seeded() throws -> CLIRunner {
        let cli = CLIRunner()
        try cli.initVault()
        let added = try cli.run(["add", "work", "--provider", "gmail", "--email", "work@gmail.com"],
                                stdin: Data((Self.gmailPassword + "\n").utf8))
        #expect(added.status == 0, "\(added.all)")
        return cli
    }

    @Test("--help documents every command and the exit codes")
    func help() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let help = try cli.run(["--help"])
        #expect(help.status == 0)
        for command in ["init", "add", "list", "rotate", "revoke", "passwd", "audit"] {
            #expect(help.stdout.contains("\n  \(command) "), "help lists \(command)")
            let sub = try cli.run([command, "--help"])
            #expect(sub.status == 0 && sub.stdout.contains("USAGE: appvault \(command)"))
        }
        for code in ["  3  wrong passphrase", "  4  no such account", "  5  already exists", "  2  bad input", "  6  tampered"] {
            #expect(help.stdout.contains(code))
        }
    }

    @Test("the whole flow: init, add, list, rotate, revoke, audit --verify")
    func wholeFlow() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let list = try cli.run(["list"])
        #expect(list.status == 0 && list.stdout.contains("work") && list.stdout.contains("imap.gmail.com:993:tls"))
        let rotate = try cli.run(["rotate", "work"], stdin: Data("qqqq rrrr ssss tttt\n".utf8))
        #expect(rotate.status == 0 && rotate.stdout.contains("generation 2"))
        let revoke = try cli.run(["revoke", "work"])
        #expect(revoke.status == 0)
        let listed = try JSONSerialization.jsonObject(with: Data(try cli.run(["list", "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(listed?.first?["status"] as? String == "revoked")
        #expect(listed?.first?["generation"] as? Int == 3)
        let verify = try cli.run(["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("vault intact: 4 audit records"), "\(verify.all)")
        let audit = try cli.run(["audit", "--json"])
        let events = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])?.compactMap { $0["event"] as? String }
        #expect(events == ["vault.create", "account.add", "account.rotate", "account.revoke"])
    }

    @Test("a generated password is printed exactly once and never again")
    func viewOnce() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        try cli.initVault()
        let added = try cli.run(["add", "gen", "--provider", "custom", "--email", "g@example.org",
                                 "--imap", "localhost:10993", "--smtp", "localhost:10465"] + ["--generate"])
        #expect(added.status == 0)
        let secret = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 24)
        var later = ""
        for arguments in [["list"], ["list", "--json"], ["audit"], ["audit", "--json"], ["audit", "--verify"], ["revoke", "gen"], ["list", "--json"]] {
            later += try cli.run(arguments).all
        }
        #expect(!later.contains(secret))
        let file = try Data(contentsOf: URL(fileURLWithPath: cli.vaultPath))
        #expect(file.range(of: Data(secret.utf8)) == nil)
    }

    @Test("wrong passphrase exits 3 and changes nothing")
    func wrongPassphrase() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let wrong = cli.writeFile("wrong", "not it\n")
        let result = try cli.run(["revoke", "work"], environment: ["APPVAULT_PASSPHRASE_FILE": wrong])
        #expect(result.status == 3)
        #expect(result.stderr.contains("wrong passphrase"))
        #expect(try cli.run(["list"]).stdout.contains("active"))
    }

    @Test("documented exit codes: no such account 4, exists 5, bad input 2, usage 64")
    func exitCodes() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        #expect(try cli.run(["revoke", "nope"]).status == 4)
        #expect(try cli.run(["add", "work", "--provider", "gmail", "--email", "work@gmail.com"], stdin: Data("abcd efgh ijkl mnop".utf8)).status == 5)
        #expect(try cli.run(["add", "x y", "--provider", "gmail", "--email", "a@b.co"], stdin: Data("abcd efgh ijkl mnop".utf8)).status == 2)
        #expect(try cli.run(["add", "ok", "--provider", "nope", "--email", "a@b.co"], stdin: Data("abcd efgh ijkl mnop".utf8)).status == 2)
        #expect(try cli.run(["add", "ok", "--provider", "gmail", "--email", "not-an-address"], stdin: Data("abcd efgh ijkl mnop".utf8)).status == 2)
        #expect(try cli.run(["add", "ok", "--provider", "gmail", "--email", "a@b.co", "--password", "abcd"]).status == 64,
                "there is no option that takes a secret")
        #expect(try cli.run(["init"]).status == 5, "init never overwrites")
        #expect(try cli.run(["list"], environment: ["APPVAULT_VAULT": cli.folder + "/missing.db"]).status == 4)
    }

    @Test("empty, 1 MB and invalid app passwords on stdin are refused without a trace", arguments: [
        Data(), Data("\n".utf8), Data(repeating: 0x61, count: 1_048_577), Data([0xff, 0xfe, 0x41]),
        Data("abcd efgh ijkl\n".utf8),
    ])
    func badStandardInput(input: Data) throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let result = try cli.run(["add", "other", "--provider", "gmail", "--email", "o@gmail.com"], stdin: input)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(try !cli.run(["list"]).stdout.contains("other"))
        #expect(try cli.run(["audit", "--verify"]).status == 0)
    }

    @Test("a tampered vault exits 6; a world-readable one exits 7; a folder or symlink is refused")
    func unsafeVaults() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        chmod(cli.vaultPath, 0o644)
        let readable = try cli.run(["list"])
        #expect(readable.status == 7 && readable.stderr.contains("chmod"))
        chmod(cli.vaultPath, 0o600)
        #expect(try cli.run(["list"], environment: ["APPVAULT_VAULT": cli.folder]).status == 2)
        symlink(cli.vaultPath, cli.folder + "/link.db")
        #expect(try cli.run(["list"], environment: ["APPVAULT_VAULT": cli.folder + "/link.db"]).status == 2)
        let random = cli.writeFile("random.db", String(repeating: "garbage!", count: 2048))
        #expect(try cli.run(["list"], environment: ["APPVAULT_VAULT": random]).status == 6)
        let queue = try DatabaseQueue(path: cli.vaultPath)
        try queue.write { try $0.execute(sql: "UPDATE vault_header SET format_version = 7") }
        let unsupported = try cli.run(["list"])
        #expect(unsupported.status == 6 && unsupported.stderr.contains("version 7"))
    }

    @Test("impossible times in a doctored file never crash list, audit or their JSON", arguments: [
        "UPDATE audit_log SET at_ms = 9223372036854775807 WHERE seq = 2", "UPDATE audit_log SET at_ms = -9223372036854775808 WHERE seq = 1",
        "UPDATE vault_header SET created_ms = 9223372036854775807",
    ])
    func impossibleTimes(sql: String) throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let queue = try DatabaseQueue(path: cli.vaultPath)
        try queue.write { try $0.execute(sql: sql) }
        for arguments in [["list"], ["list", "--json"], ["audit"], ["audit", "--json"], ["audit", "--verify"], ["revoke", "work"]] {
            let result = try cli.run(arguments)
            #expect(!result.crashed && result.status < 64, "\(arguments) crashed or failed oddly: \(result.status) \(result.stderr.prefix(300))")
        }
        #expect(try cli.run(["audit", "--verify"]).status == 6, "a doctored time is found")
    }

    @Test("passwd changes the passphrase without touching entries")
    func passwd() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let newFile = cli.writeFile("new", "a new passphrase\n")
        #expect(try cli.run(["passwd", "--new-passphrase-file", newFile, "--kdf", "interactive"]).status == 0)
        #expect(try cli.run(["audit", "--verify"]).status == 3)
        let verified = try cli.run(["audit", "--verify"], environment: ["APPVAULT_PASSPHRASE_FILE": newFile])
        #expect(verified.status == 0)
    }

    @Test("a key-file vault opens only with its key file")
    func keyFileVault() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let key = cli.folder + "/vault.key"
        #expect(try cli.run(["init", "--key-file", key]).status == 0)
        let added = try cli.run(["add", "k", "--provider", "gmail", "--email", "k@gmail.com", "--key-file", key],
                                stdin: Data("abcd efgh ijkl mnop".utf8))
        #expect(added.status == 0)
        #expect(try cli.run(["revoke", "k"]).status == 2, "a passphrase does not open a key-file vault")
        #expect(try cli.run(["revoke", "k"], environment: ["APPVAULT_KEY_FILE": key]).status == 0)
    }

    @Test("eight processes adding at once: each lands or says busy; the vault stays intact")
    func concurrentAdds() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let results = Mutex<[(String, Int32)]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let name = "acct\(index)"
            let result = try? cli.run(["add", name, "--provider", "gmail", "--email", "\(name)@gmail.com"],
                                      stdin: Data("abcd efgh ijkl mnop".utf8))
            results.withLock { $0.append((name, result?.status ?? -1)) }
        }
        let listed = try cli.run(["list"]).stdout
        for (name, status) in results.withLock({ $0 }) {
            #expect(status == 0 || status == 8, "\(name) exited \(status)")
            #expect(listed.contains(name + " ") == (status == 0))
        }
        #expect(try cli.run(["audit", "--verify"]).status == 0)
    }
}

import GRDB
import Synchronization
