// One "host" of the cluster tests: opens the vault on a PostgreSQL store, unlocks it with a
// passphrase file, and does what the test asks on standard input, one command per line, one
// reply per line ("ok ..." or "error EXIT-CODE TEXT"). It stands in for an agent's lease and
// session work (grant, spend, hold and renew proxied sessions) until the agent's IMAP and SMTP
// endpoints can do it over the network.
//
// Usage: ClusterHost --store ADDRESS --passphrase-file PATH --anchors FOLDER [--session-ttl SECONDS]
//                    [--retention SECONDS] [--max-live N]
//
//   grant-login ACCOUNT PROTOCOL       ok ID PASSWORD     (a one-session login lease)
//   open-session ACCOUNT PROTOCOL      the next line is the credential; ok LEASE-ID
//   grant ACCOUNT PROTOCOL             ok LEASE-JSON      (a one-use connector lease)
//   redeem LEASE-JSON                  ok BYTES           (spends one use)
//   end-session ID                     ok
//   hold                               ok                 (renews held sessions every second from now on)
//   digest ACCOUNT                     ok BLAKE2b-256 of the account's password, through a lease
//   add-token ACCOUNT CLIENT           ok ID TEXT
//   live-leases                        ok ID:EXPIRES-MS,...
//   lease ID                           ok ID              (the stored lease, in whatever state)
//   grants N                           N grants of 1-second leases: "confirmed ID" or "failed CODE TEXT"
//                                      per attempt, then "done"
//   counter                            ok COUNTER
//   wait-change COUNTER MILLISECONDS   ok COUNTER ELAPSED-MS
//   revoke-lease ID                    ok
//   watch MILLISECONDS                 ok EVENT ELAPSED-MS: follows the audit log through waitForChange,
//                                      as the agent's session feed does, until a revoke or the time-out
//   verify                             ok intact | error 6 PROBLEMS
import AppVault
import Foundation
import Glibc
import PostgresStore
import Synchronization
import VaultCrypto

/// Prints one reply line and flushes it (the test reads line by line).
func reply(_ line: String) {
    print(line)
    fflush(nil)
}

/// An error as a reply: its exit code and its text on one line.
func failure(_ error: any Error) -> String {
    let code = (error as? VaultError)?.exitCode ?? 1
    return "error \(code) " + String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func text(_ bytes: borrowing SecureBytes) -> String { bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

/// BLAKE2b-256 of a secret in hex: lets the test compare passwords without ever printing one.
func digest(_ bytes: UnsafeRawBufferPointer) -> String {
    KeyedHash.digest(Array(bytes)).map { String(format: "%02x", $0) }.joined()
}

let arguments = CommandLine.arguments
guard let address = option("--store", in: arguments), let passphraseFile = option("--passphrase-file", in: arguments),
      let anchors = option("--anchors", in: arguments)
else {
    reply("error 64 usage: ClusterHost --store ADDRESS --passphrase-file PATH --anchors FOLDER")
    exit(64)
}
let maximumLive = Int(option("--max-live", in: arguments) ?? "64") ?? 64
let limits = LeaseLimits(maximumLivePerAccount: maximumLive, maximumLivePerHolder: maximumLive,
                         endedLeaseRetention: .seconds(Int(option("--retention", in: arguments) ?? "3600") ?? 3600),
                         sessionTTL: .seconds(Int(option("--session-ttl", in: arguments) ?? "120") ?? 120))
let holder = "cluster host pid \(getpid())"
let vault: Vault
do {
    let passphrase = try String(contentsOfFile: passphraseFile, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
    vault = try Vault.open(store: PostgresStore.open(PostgresAddress(parsing: address)),
                           configuration: VaultConfiguration(actor: holder, leaseLimits: limits, anchor: .folder(anchors)))
    try vault.unlock(with: .passphrase(SecureBytes(copying: Array(passphrase.utf8))))
    reply("ok ready \(vault.id)")
} catch {
    reply(failure(error))
    exit(1)
}

/// Sessions this host holds and renews while `hold` is on.
let held = Mutex<Set<String>>([])
let renewing = Atomic<Bool>(false)

func startRenewing() {
    guard !renewing.exchange(true, ordering: .relaxed) else { return }
    Thread.detachNewThread {
        while true {
            Thread.sleep(forTimeInterval: 1)
            let ids = held.withLock { Array($0) }
            guard let failures = try? vault.renewSessions(ids) else { continue }
            held.withLock { $0.subtract(failures.keys) }
        }
    }
}

func mailProtocol(_ name: Substring) throws -> MailProtocol {
    guard let value = MailProtocol(rawValue: String(name)) else { throw VaultError.invalidInput("unknown protocol \(name)") }
    return value
}

while let line = readLine() {
    let words = line.split(separator: " ", maxSplits: 2).map(Substring.init)
    guard let command = words.first else { continue }
    do {
        switch command {
        case "grant-login" where words.count == 3:
            let granted = try vault.grantLoginLease(account: String(words[1]), for: mailProtocol(words[2]), holder: holder)
            let id = granted.lease.id
            reply("ok \(id) " + granted.revealPassword { String(decoding: $0, as: UTF8.self) })
        case "open-session" where words.count == 3:
            let credential = try SecureBytes(copying: Array((readLine() ?? "").utf8))
            let session = try vault.openSession(account: String(words[1]), credential: credential, protocol: mailProtocol(words[2]),
                                                holder: holder)
            held.withLock { _ = $0.insert(session.id) }
            reply("ok \(session.id)")
        case "grant" where words.count == 3:
            let lease = try vault.lease(account: String(words[1]), for: mailProtocol(words[2]), holder: holder)
            reply("ok " + String(decoding: try JSONEncoder().encode(lease), as: UTF8.self))
        case "redeem" where words.count >= 2:
            let lease = try JSONDecoder().decode(Lease.self, from: Data(line.dropFirst("redeem ".count).utf8))
            reply("ok \(try vault.redeem(lease, for: lease.protocol) { $0.count })")
        case "end-session" where words.count == 2:
            held.withLock { _ = $0.remove(String(words[1])) }
            vault.endSession(id: String(words[1]), SessionEnd(bytesFromUpstream: 0, bytesToUpstream: 0, duration: .zero, reason: "test"))
            reply("ok")
        case "hold":
            startRenewing()
            reply("ok")
        case "digest" where words.count == 2:
            let lease = try vault.lease(account: String(words[1]), for: .imap, holder: holder)
            reply("ok " + (try vault.redeem(lease, for: .imap) { secret in secret.withUnsafeBytes(digest) }))
        case "add-token" where words.count == 3:
            let created = try vault.addToken(account: String(words[1]), client: String(words[2]), protocols: [.imap, .smtp])
            let id = created.token.id
            reply("ok \(id) " + created.reveal { String(decoding: $0, as: UTF8.self) })
        case "live-leases":
            let leases = try vault.liveLeases()
            reply("ok " + leases.map { "\($0.id):\(Int64($0.expiresAt.timeIntervalSince1970 * 1000))" }.joined(separator: ","))
        case "lease" where words.count == 2:
            reply("ok \(try vault.lease(id: String(words[1])).id)")
        case "grants" where words.count == 2:
            for _ in 0..<(Int(words[1]) ?? 0) {
                do {
                    reply("confirmed \(try vault.lease(account: "work", for: .imap, ttl: .seconds(1), holder: holder).id)")
                } catch {
                    reply("failed " + failure(error).dropFirst("error ".count))
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            reply("done")
        case "counter":
            reply("ok \(try vault.commitCounterHint())")
        case "wait-change" where words.count == 3:
            let started = ContinuousClock.now
            let counter = try vault.waitForChange(after: Int64(words[1]) ?? -1, timeout: .milliseconds(Int(words[2]) ?? 0))
            let elapsed = ContinuousClock.now - started
            reply("ok \(counter) \(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)")
        case "revoke-lease" where words.count == 2:
            try vault.revokeLease(id: String(words[1]))
            reply("ok")
        case "watch" where words.count == 2:
            let started = ContinuousClock.now
            let deadline = started + .milliseconds(Int(words[1]) ?? 0)
            var cursor = try vault.auditCursor()
            var counter = try vault.commitCounterHint()
            var seen = "none"
            while seen == "none", ContinuousClock.now < deadline {
                counter = try vault.waitForChange(after: counter, timeout: deadline - ContinuousClock.now)
                let (next, records) = try vault.auditChanges(after: cursor)
                cursor = next
                seen = records.first { $0.event.hasSuffix(".revoke") }?.event ?? "none"
            }
            let elapsed = ContinuousClock.now - started
            reply("ok \(seen) \(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)")
        case "verify":
            let result = try vault.verifyAudit()
            reply(result.isIntact ? "ok intact" : "error 6 " + result.problems.joined(separator: "; "))
        default:
            reply("error 64 unknown command: \(command)")
        }
    } catch {
        reply(failure(error))
    }
}
