import Foundation
import Testing
import TestSupport

/// A CLI runner whose vault is a fresh PostgreSQL database (`$APPVAULT_STORE`), dropped at the end.
final class PostgresCLI {
    let cli = CLIRunner()
    let database: String
    let address: String

    init() throws {
        database = try PostgresTestCluster.createDatabase()
        address = try PostgresTestCluster.connectionString(database: database)
    }

    deinit {
        PostgresTestCluster.dropDatabase(database)
        cli.cleanUp()
    }

    /// Runs `appvault` with `$APPVAULT_STORE` naming the database.
    @discardableResult
    func run(_ arguments: [String], stdin: String = "") throws -> CLIRunner.Result {
        try cli.run(arguments, stdin: Data(stdin.utf8), environment: ["APPVAULT_STORE": address])
    }
}

@Suite("appvault command line with a PostgreSQL store")
struct PostgresCLITests {
    static let gmailPassword = "abcd efgh ijkl mnop"

    @Test("init, add, list, rotate, revoke and audit --verify on a database named by $APPVAULT_STORE or --store")
    func wholeFlow() throws {
        let pg = try PostgresCLI()
        let created = try pg.run(["init", "--kdf", "interactive"])
        #expect(created.status == 0 && created.stdout.contains("Created vault postgresql://appvault@127.0.0.1:"), "\(created.all)")
        #expect(try pg.run(["add", "work", "--provider", "gmail", "--email", "work@gmail.com"], stdin: Self.gmailPassword + "\n").status == 0)
        let list = try pg.cli.run(["list", "--store", pg.address])
        #expect(list.status == 0 && list.stdout.contains("imap.gmail.com:993:tls"), "\(list.all)")
        #expect(try pg.run(["rotate", "work"], stdin: "qqqq rrrr ssss tttt\n").stdout.contains("generation 2"))
        #expect(try pg.run(["revoke", "work"]).status == 0)
        let verify = try pg.run(["audit", "--verify"])
        #expect(verify.status == 0 && verify.stdout.contains("vault intact: 4 audit records"), "\(verify.all)")
        let again = try pg.run(["init", "--kdf", "interactive"])
        #expect(again.status == 5 && again.stderr.contains("a vault exists already at postgresql://"), "\(again.all)")
    }

    @Test("a password in --store or $APPVAULT_STORE, or --vault with --store, is refused before anything connects", arguments: [
        ["list", "--store", "postgresql://appvault:Cli-pw-31@127.0.0.1/x"], ["init", "--store", "host=127.0.0.1 dbname=x password=Cli-pw-31"],
        ["list", "--store", "host=127.0.0.1 dbname=x sslmode=require"], ["list", "--store", "host=/tmp dbname=x", "--vault", "/tmp/v.db"],
    ])
    func refusedAddresses(arguments: [String]) throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(arguments)
        #expect(result.status == 2, "\(result.all)")
        #expect(!result.all.contains("Cli-pw-31"))
        let fromEnvironment = try cli.run(["list"], environment: ["APPVAULT_STORE": "postgresql://appvault:Cli-pw-31@127.0.0.1/x"])
        #expect(fromEnvironment.status == 2 && fromEnvironment.stderr.contains("~/.pgpass") && !fromEnvironment.all.contains("Cli-pw-31"))
    }

    @Test("an unreachable database exits 13 and says where")
    func unreachable() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        let address = try PostgresTestCluster.connectionString(database: "x", port: try PostgresTestCluster.port(offset: 9))
        let result = try cli.run(["list", "--store", address])
        #expect(result.status == 13 && result.stderr.contains("cannot be reached") && result.stderr.contains("127.0.0.1"), "\(result.all)")
    }

    @Test("migrate copies a file vault into PostgreSQL and back: same vault id, verified with the vault key, usable there; a used target is refused")
    func migrateBothWays() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        try cli.initVault()
        #expect(try cli.run(["add", "work", "--provider", "gmail", "--email", "work@gmail.com"],
                            stdin: Data((Self.gmailPassword + "\n").utf8)).status == 0)
        let token = try cli.run(["token", "add", "work", "--client", "reports", "--protocol", "imap"])
        #expect(token.status == 0, "\(token.all)")
        let database = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(database) }
        let address = try PostgresTestCluster.connectionString(database: database)

        let toDatabase = try cli.run(["migrate", "--to", address])
        #expect(toDatabase.status == 0 && toDatabase.stdout.contains("Copy verified with the vault key"), "\(toDatabase.all)")
        let id = try #require(toDatabase.stdout.split(separator: " ").dropFirst(2).first)
        let listed = try cli.run(["list", "--json", "--store", address])
        #expect(listed.status == 0 && listed.stdout.contains("\"work\""), "\(listed.all)")
        #expect(try cli.run(["audit", "--verify", "--store", address]).stdout.contains("vault intact: 3 audit records"))
        #expect(try cli.run(["rotate", "work", "--store", address], stdin: Data("qqqq rrrr ssss tttt\n".utf8)).status == 0)

        let file = cli.folder + "/back/vault.db"
        let toFile = try cli.run(["migrate", "--store", address, "--to", file])
        #expect(toFile.status == 0 && toFile.stdout.contains("Copied vault \(id) from postgresql://"), "\(toFile.all)")
        let verified = try cli.run(["audit", "--verify", "--vault", file])
        #expect(verified.status == 0 && verified.stdout.contains("vault intact: 4 audit records"), "\(verified.all)")
        #expect(try cli.run(["audit", "--json", "--vault", file]).stdout.contains("account.rotate"))
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let again = try cli.run(["migrate", "--to", address])
        #expect(again.status == 5 && again.stderr.contains("exists already"), "\(again.all)")
        let overFile = try cli.run(["migrate", "--store", address, "--to", file])
        #expect(overFile.status == 5, "\(overFile.all)")
        let withoutKey = try cli.run(["migrate", "--vault", file, "--to", cli.folder + "/third.db"], environment: ["APPVAULT_PASSPHRASE_FILE": ""])
        #expect(withoutKey.status == 0 && withoutKey.stderr.contains("Not unlocked"), "\(withoutKey.all)")
    }
}
