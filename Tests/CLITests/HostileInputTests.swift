import Foundation
import Glibc
import Testing
import TestSupport

/// A corpus of hostile command lines: each gets a clear error and a non-zero exit, and the
/// vault stays intact and unchanged.
@Suite("Hostile command-line input")
struct HostileInputTests {
    static let corpus: [(arguments: [String], stdin: String, status: Int32)] = [
        (["add"], "", 64),
        (["add", "x", "--provider", "gmail"], "", 64),
        (["add", "x", "y", "--provider", "gmail", "--email", "a@b.co"], "", 64),
        (["add", "x\u{1b}[31m", "--provider", "gmail", "--email", "a@b.co"], "abcd efgh ijkl mnop", 2),
        (["add", String(repeating: "n", count: 10_000), "--provider", "gmail", "--email", "a@b.co"], "abcd efgh ijkl mnop", 2),
        (["add", "x", "--provider", "gmail", "--email", "a@b.co\r\nBcc: evil@example.org"], "abcd efgh ijkl mnop", 2),
        (["add", "x", "--provider", "custom", "--email", "a@b.co", "--imap", "h:0", "--smtp", "h:25"], "pw", 2),
        (["add", "x", "--provider", "custom", "--email", "a@b.co", "--imap", "../../etc:993", "--smtp", "h:25"], "pw", 2),
        (["rotate", "work", "--generate", "--verify"], "", 2),
        (["rotate", "nope"], "abcd efgh ijkl mnop", 4),
        (["revoke", "work", "extra"], "", 64),
        (["list", "--vault"], "", 64),
        (["lease", "grant", "work", "--protocol", "pop3"], "", 64),
        (["lease", "grant", "work", "--protocol", "imap", "--ttl", "100000"], "", 2),
        (["inbox", "work", "--limit", "0"], "", 2),
        (["send", "work"], "body", 64),
        (["init", "--kdf", "ludicrous"], "", 64),
    ]

    @Test("each hostile command line fails with its documented exit code and changes nothing")
    func corpusFails() throws {
        var cli = CLIRunner()
        cli.environment["APPVAULT_AGENT_SOCK"] = cli.folder + "/no-agent.sock"
        defer { cli.cleanUp() }
        try cli.initVault()
        #expect(try cli.run(["add", "work", "--provider", "gmail", "--email", "w@gmail.com"], stdin: Data("abcd efgh ijkl mnop".utf8)).status == 0)
        let before = try cli.run(["list", "--json"]).stdout
        for entry in Self.corpus {
            let result = try cli.run(entry.arguments, stdin: Data(entry.stdin.utf8))
            #expect(result.status == entry.status, "\(entry.arguments.prefix(3)) exited \(result.status): \(result.stderr.prefix(200))")
            #expect(!result.stderr.isEmpty, "an error message is printed")
            #expect(!result.all.contains("abcd efgh"))
        }
        #expect(try cli.run(["list", "--json"]).stdout == before)
        #expect(try cli.run(["audit", "--verify"]).status == 0)
    }

    @Test("invalid UTF-8 in arguments is refused")
    func invalidUTF8Argument() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        try cli.initVault()
        // Process cannot pass raw bytes; a shell can.
        let script = "printf 'abcd efgh ijkl mnop' | \(CLIRunner.executable) add \"$(printf 'bad\\377name')\" --provider gmail --email a@b.co"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.environment = cli.environment
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }

    @Test("a vault path that is a symbolic link to another user's file is refused", .enabled(if: getuid() == 0, "needs root to make a file another user owns"))
    func symlinkToForeignFile() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let foreign = cli.writeFile("foreign.db", "not yours")
        chown(foreign, 65534, 65534)
        let link = cli.folder + "/vault-link.db"
        symlink(foreign, link)
        for path in [link, foreign] {
            let result = try cli.run(["list"], environment: ["APPVAULT_VAULT": path])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("symbolic link") || result.stderr.contains("another user"))
        }
        let initOver = try cli.run(["init", "--kdf", "interactive"], environment: ["APPVAULT_VAULT": link])
        #expect(initOver.status == 5, "init never writes through an existing path")
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "not yours")
    }
}
