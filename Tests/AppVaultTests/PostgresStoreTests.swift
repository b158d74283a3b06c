import Foundation
import Synchronization
import Testing
import TestSupport
@testable import AppVault
import PostgresStore
import VaultCrypto

/// Whether `body` throws ``VaultError/storeUnreachable(_:)``.
func isUnreachable(_ body: () throws -> Void) -> Bool {
    throwsVaultError(body) { if case .storeUnreachable = $0 { true } else { false } }
}

/// Runs `body` on `threads` threads that all start at once, and waits for them.
func race(threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchGroup()
    for index in 0..<threads {
        done.enter()
        Thread.detachNewThread {
            ready.signal()
            go.wait()
            body(index)
            done.leave()
        }
    }
    for _ in 0..<threads { ready.wait() }
    for _ in 0..<threads { go.signal() }
    done.wait()
}

/// The text of the ``VaultError`` `body` throws, or "" when it throws none.
func errorText(_ body: () throws -> Void) -> String {
    do { try body() } catch { return String(describing: error) }
    return ""
}

@Suite("PostgreSQL store: addresses, TLS and passwords")
struct PostgresAddressTests {
    @Test("an address that carries a password is refused without quoting it", arguments: [
        "postgresql://appvault:Pw-in-url-77@db.example/vault", "postgres://appvault:Pw-in-url-77@db.example:5432/vault?sslmode=verify-full",
        "host=db.example dbname=vault user=appvault password=Pw-in-url-77", "host=db.example dbname=vault sslpassword=Pw-in-url-77",
        "postgresql://appvault:Pw-in-url-77%zz@db.example/vault", "postgresql://db.example/vault?password=Pw-in-url-77",
    ])
    func passwordRefused(address: String) {
        let text = errorText { _ = try PostgresAddress(parsing: address, environment: [:]) }
        #expect(text.contains("~/.pgpass") && text.contains("client certificate"), "\(text)")
        #expect(!text.contains("Pw-in-url"))
    }

    @Test("PGPASSWORD in the environment is refused: no password comes from an environment value")
    func environmentPasswordRefused() {
        let text = errorText { _ = try PostgresAddress(parsing: "host=/tmp dbname=v", environment: ["PGPASSWORD": "Pw-in-env-55"]) }
        #expect(text.contains("PGPASSWORD is set") && !text.contains("Pw-in-env"))
    }

    @Test("over the network only sslmode=verify-full is accepted; a Unix socket needs no TLS", arguments: [
        ("host=db.example dbname=v sslmode=require", false), ("postgresql://db.example/v?sslmode=verify-ca", false),
        ("host=db.example,/run/postgresql dbname=v sslmode=prefer", false), ("hostaddr=10.0.0.1 dbname=v sslmode=disable", false),
        ("host=db.example dbname=v sslmode=verify-full", true), ("postgresql://db.example/v", true),
        ("host=/run/postgresql dbname=v sslmode=disable", true), ("postgresql:///v?host=/run/postgresql", true),
    ])
    func tlsRequired(address: String, accepted: Bool) {
        let text = errorText { _ = try PostgresAddress(parsing: address, environment: [:]) }
        #expect(text.isEmpty == accepted, "\(address): \(text)")
        if !accepted { #expect(text.contains("verify-full")) }
    }

    @Test("file paths and plain words are not addresses", arguments: ["/var/lib/vault.db", "vault.db", "", "appvault", "./a=b"])
    func notAnAddress(text: String) {
        #expect(!PostgresAddress.isConnectionString(text))
        #expect(errorText { _ = try PostgresAddress(parsing: text, environment: [:]) }.contains("not a PostgreSQL address"))
    }

    @Test("the location names servers, database and user, nothing else")
    func location() throws {
        let url = try PostgresAddress(parsing: "postgresql://av@db1.example:5433,db2.example:5434/vault?sslrootcert=/x/ca.pem", environment: [:])
        #expect(url.location == "postgresql://av@db1.example:5433,db2.example:5434/vault")
        let pairs = try PostgresAddress(parsing: "host=a,b port=1,2 dbname=v user=u sslcert=/c sslkey=/k", environment: [:])
        #expect(pairs.location == "postgresql://u@a:1,b:2/v")
        let socket = try PostgresAddress(parsing: "dbname=v", environment: ["PGHOST": "/run/postgresql"])
        #expect(socket.socketOnly && socket.location == "postgresql:///run/postgresql/v")
    }

    @Test("a server certificate from another CA or for another name is refused; nothing is sent")
    func certificateChecked() throws {
        let database = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(database) }
        let folder = try PostgresTestCluster.directory()
        let wrongCA = try PostgresTestCluster.connectionString(database: database)
            .replacingOccurrences(of: "sslrootcert=\(folder)/ca.pem", with: "sslrootcert=\(folder)/server.pem")
        #expect(errorText { _ = try PostgresStore.create(PostgresAddress(parsing: wrongCA)) }.contains("certificate"))
        let wrongName = try PostgresTestCluster.connectionString(database: database, host: "db.invalid", extra: "hostaddr=127.0.0.1")
        let text = errorText { _ = try PostgresStore.create(PostgresAddress(parsing: wrongName)) }
        #expect(text.contains("db.invalid") && text.contains("does not match"), "\(text)")
        #expect(isUnreachable { _ = try PostgresStore.create(PostgresAddress(parsing: wrongName)) })
    }

    @Test("a service file cannot weaken TLS: a connection without verify-full is refused once made")
    func serviceFileChecked() throws {
        let database = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(database) }
        let folder = TemporaryFolder()
        let cluster = try PostgresTestCluster.directory()
        let services = folder.file("pg_service.conf")
        try """
            [weak]
            host=127.0.0.1
            port=\(try PostgresTestCluster.port())
            user=appvault
            sslcert=\(cluster)/client.pem
            sslkey=\(cluster)/client.key
            """.write(toFile: services, atomically: true, encoding: .utf8)
        let address = try PostgresAddress(parsing: "service=weak dbname=\(database) sslmode=require", environment: [:])
        setenv("PGSERVICEFILE", services, 1)
        defer { unsetenv("PGSERVICEFILE") }
        let text = errorText { _ = try PostgresStore.create(address) }
        #expect(text.contains("without TLS and sslmode=verify-full"), "\(text)")
    }

    @Test("a password from a pgpass file (passfile=) logs in; the address still holds none")
    func pgpassLogin() throws {
        let database = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(database) }
        let cluster = try PostgresTestCluster.directory()
        try PostgresTestCluster.psql("ALTER DATABASE \(database) OWNER TO appvault_pw", database: "postgres")
        let text = "host=127.0.0.1 port=\(try PostgresTestCluster.port()) dbname=\(database) user=appvault_pw sslmode=verify-full "
            + "sslrootcert=\(cluster)/ca.pem passfile=\(cluster)/pgpass.conf"
        let vault = try Vault.create(store: PostgresStore.create(PostgresAddress(parsing: text)), credential: passphrase("correct horse"),
                                     kdf: fastKDF, configuration: VaultConfiguration())
        #expect(vault.path == "postgresql://appvault_pw@127.0.0.1:\(try PostgresTestCluster.port())/\(database)")
        let wrong = text.replacingOccurrences(of: "passfile=\(cluster)/pgpass.conf", with: "passfile=/dev/null")
        #expect(isUnreachable { _ = try PostgresStore.open(PostgresAddress(parsing: wrong)) })
    }

    @Test("nothing listening: unreachable at once, with where it tried")
    func nothingListening() throws {
        let address = try PostgresAddress(parsing: try PostgresTestCluster.connectionString(database: "none", port: try PostgresTestCluster.port(offset: 9)))
        let started = ContinuousClock.now
        let text = errorText { _ = try PostgresStore.open(address) }
        #expect(text.contains("cannot be reached") && text.contains("127.0.0.1"), "\(text)")
        #expect(ContinuousClock.now - started < .seconds(3))
    }
}

@Suite("PostgreSQL store: schema, format and doctored tables")
struct PostgresSchemaTests {
    @Test("an empty database has no vault; one with other tables is refused for init; a vault is never overwritten")
    func emptyForeignAndExisting() throws {
        let database = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(database) }
        let address = try PostgresAddress(parsing: try PostgresTestCluster.connectionString(database: database))
        #expect(throws: VaultError.vaultNotFound(address.location)) { _ = try PostgresStore.open(address) }
        try PostgresTestCluster.psql("CREATE TABLE invoices (id int); ALTER TABLE invoices OWNER TO appvault", database: database)
        #expect(errorText { _ = try PostgresStore.create(address) }.contains("holds other tables"))
        #expect(throws: VaultError.vaultNotFound(address.location)) { _ = try PostgresStore.open(address) }

        let fixture = try VaultFixture(.postgres)
        let existing = try PostgresAddress(parsing: try fixture.store.connectionString)
        #expect(throws: VaultError.vaultExists(existing.location)) { _ = try PostgresStore.create(existing) }
        let store = try PostgresStore.open(existing)
        #expect(throws: VaultError.vaultExists(existing.location), "createSchema checks again under its lock") {
            try store.write { try $0.createSchema() }
        }
    }

    @Test("tables of another application or without their format row are not a vault")
    func foreignFormat() throws {
        let fixture = try VaultFixture(.postgres)
        try fixture.sql("UPDATE vault_format SET application = 'other'")
        #expect(isTampered { _ = try fixture.reopen() })
        try fixture.sql("DELETE FROM vault_format")
        #expect(isTampered { _ = try fixture.reopen() })
    }

    @Test("a column retyped, emptied or dropped, an absurd value: tampering, never a crash", arguments: [
        "ALTER TABLE records ALTER COLUMN key TYPE text USING encode(key, 'hex')",
        "ALTER TABLE vault_state ALTER COLUMN counter TYPE numeric", "ALTER TABLE vault_header ALTER COLUMN kdf_salt TYPE text",
        "ALTER TABLE records ALTER COLUMN body DROP NOT NULL; UPDATE records SET body = NULL WHERE kind = 1",
        "ALTER TABLE tree DROP COLUMN node", "DROP TABLE audit_log", "UPDATE records SET kind = 300 WHERE kind = 1",
        "UPDATE records SET kind = -5 WHERE kind = 3", "UPDATE records SET ref = '' WHERE ref IS NOT NULL",
        "UPDATE vault_header SET format_version = 3", "UPDATE vault_header SET credential_kind = 'telepathy'",
        "UPDATE vault_header SET created_ms = 9223372036854775807", "UPDATE audit_log SET seq = -9223372036854775808 WHERE seq = 2",
        "UPDATE tree SET id = -1 WHERE id = (SELECT max(id) FROM tree)", "UPDATE tree SET node = '\\xff'",
        "UPDATE vault_state SET audit_seq = -1", "DELETE FROM vault_state",
    ])
    func doctoredTables(sql: String) throws {
        let fixture = try VaultFixture(.postgres)
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        try fixture.sql(sql)
        #expect(throws: VaultError.self) { try fixture.useEverything() }
    }
}

@Suite("PostgreSQL store: transactions, locks, notifications, reconnection")
struct PostgresTransactionTests {
    /// A second store on the same database: another host, as far as the vault can tell.
    func otherHost(_ fixture: VaultFixture) throws -> Vault { try fixture.reopenUnlocked() }

    @Test("a one-use lease raced by 16 threads over 4 stores (hosts) is spent exactly once, 50 times over")
    func raceOneUseLease() throws {
        let fixture = try VaultFixture(.postgres)
        let hosts = [fixture.vault] + (try (0..<3).map { _ in try otherHost(fixture) })
        for round in 0..<50 {
            let lease = try hosts[round % 4].lease(account: "work", for: .imap, holder: "race")
            let spent = Atomic<Int>(0)
            let unexpected = Mutex<[String]>([])
            race(threads: 16) { index in
                do {
                    _ = try hosts[index % 4].redeem(lease, for: .imap) { $0.count }
                    spent.add(1, ordering: .relaxed)
                } catch VaultError.leaseUsedUp {
                } catch {
                    unexpected.withLock { $0.append("\(error)") }
                }
            }
            #expect(spent.load(ordering: .relaxed) == 1, "round \(round)")
            #expect(unexpected.withLock { $0 }.isEmpty)
        }
        #expect(try fixture.vault.verifyAudit().isIntact)
    }

    @Test("a read is one snapshot: a commit from another host in the middle does not show")
    func readSnapshot() throws {
        let fixture = try VaultFixture(.postgres)
        let other = try otherHost(fixture)
        let (before, after) = try fixture.vault.store.read { reader -> (Int64, Int64) in
            let first = try reader.state()?.counter ?? -1
            _ = try other.lease(account: "work", for: .imap, holder: "t")
            return (first, try reader.state()?.counter ?? -1)
        }
        #expect(before == after)
        #expect(try fixture.vault.commitCounterHint() == before + 1)
    }

    @Test("a writer waits for the state row's lock, then gets busy after 5 s; readers never wait")
    func lockTimeout() throws {
        let fixture = try VaultFixture(.postgres)
        let database = try #require(fixture.store.database)
        let holder = Thread {
            _ = try? PostgresTestCluster.psql("BEGIN; SELECT counter FROM vault_state FOR UPDATE; SELECT pg_sleep(8); COMMIT", database: database)
        }
        holder.start()
        Thread.sleep(forTimeInterval: 1)
        let started = ContinuousClock.now
        #expect(throws: VaultError.busy) { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") }
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(4.5) && waited < .seconds(7), "\(waited)")
        let reading = ContinuousClock.now
        #expect(try fixture.vault.accounts().count == 1)
        #expect(ContinuousClock.now - reading < .seconds(1))
        Thread.sleep(forTimeInterval: 7)
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
    }

    @Test("waitForChange wakes on another host's commit within milliseconds, and returns at its time-out")
    func notificationWakes() throws {
        let fixture = try VaultFixture(.postgres)
        let other = try otherHost(fixture)
        let counter = try fixture.vault.commitCounterHint()
        let quiet = ContinuousClock.now
        #expect(try fixture.vault.waitForChange(after: counter, timeout: .milliseconds(700)) == counter)
        #expect(ContinuousClock.now - quiet >= .milliseconds(700))
        let committedAt = Mutex<ContinuousClock.Instant?>(nil)
        let writer = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            _ = try? other.lease(account: "work", for: .imap, holder: "t")
            committedAt.withLock { $0 = ContinuousClock.now }
        }
        writer.start()
        let seen = try fixture.vault.waitForChange(after: counter, timeout: .seconds(10))
        let woke = ContinuousClock.now
        #expect(seen == counter + 1)
        while committedAt.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.01) }
        // The notification may even arrive before the writer has read its COMMIT's reply.
        let latency = woke - (try #require(committedAt.withLock { $0 }))
        #expect(latency < .milliseconds(150), "woke \(latency) after the writer's commit returned")
    }

    @Test("with the listening connection cut, a change is still seen within the poll interval")
    func pollFallback() throws {
        let fixture = try VaultFixture(.postgres)
        let other = try otherHost(fixture)
        let counter = try fixture.vault.commitCounterHint()
        _ = try fixture.vault.waitForChange(after: counter, timeout: .milliseconds(10))
        try fixture.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()")
        let writer = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            _ = try? other.lease(account: "work", for: .imap, holder: "t")
        }
        writer.start()
        let started = ContinuousClock.now
        #expect(try fixture.vault.waitForChange(after: counter, timeout: .seconds(5)) == counter + 1)
        #expect(ContinuousClock.now - started < .seconds(1.5))
    }

    @Test("connections cut by the server (a restart, a fail-over) are replaced before the next call; no error")
    func reconnects() throws {
        let fixture = try VaultFixture(.postgres)
        for _ in 0..<3 {
            try fixture.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            #expect(try fixture.readSecret() == "abcdefghijklmnop")
        }
    }

    @Test("a connection cut in the middle of a write: unreachable, nothing changed, the next write works")
    func cutMidTransaction() throws {
        let fixture = try VaultFixture(.postgres)
        let database = try #require(fixture.store.database)
        let before = try fixture.vault.commitCounterHint()
        let holder = Thread {
            _ = try? PostgresTestCluster.psql("BEGIN; SELECT counter FROM vault_state FOR UPDATE; SELECT pg_sleep(2); COMMIT", database: database)
        }
        holder.start()
        Thread.sleep(forTimeInterval: 0.5)
        let killer = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            _ = try? PostgresTestCluster.psql("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'appvault'
                """, database: database)
        }
        killer.start()
        #expect(isUnreachable { _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t") })
        Thread.sleep(forTimeInterval: 2)
        #expect(try fixture.vault.commitCounterHint() == before)
        _ = try fixture.vault.lease(account: "work", for: .imap, holder: "t")
        #expect(try fixture.vault.verifyAudit().isIntact)
    }
}
