import AppVault
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Concurrency: many processes on one vault")
struct ConcurrencyTests {
    /// What one worker expects of its own accounts after its operations.
    struct Expectation: Sendable { var generation: Int64; var revoked: Bool; var secret: String }

    @Test("eight processes doing mixed operations lose no update and corrupt nothing")
    func mixedOperations() throws {
        let vault = try KeyFileVault()
        defer { vault.cli.cleanUp() }
        let workers = 8
        let operationsPerWorker = iterations("APPVAULT_CONCURRENCY_OPERATIONS", short: 12)
        let expectations = Mutex<[String: Expectation]>([:])
        let unexpected = Mutex<[String]>([])
        let busyRetries = Atomic<Int>(0)
        let mutations = Atomic<Int>(0)

        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [String: Expectation] = [:]
            for step in 0..<operationsPerWorker {
                let name = "w\(worker)-a\(step % 3)"
                let secret = "w\(worker)-s\(step)"
                let arguments: [String]
                let kind: String
                if mine[name] == nil || mine[name]!.revoked {
                    arguments = KeyFileVault.customAccount(name); kind = "add"
                } else if step % 4 == 3 {
                    arguments = ["revoke", name]; kind = "revoke"
                } else if step % 5 == 4 {
                    arguments = ["list", "--json"]; kind = "list"
                } else {
                    arguments = ["rotate", name]; kind = "rotate"
                }
                var attempts = 0
                while true {
                    attempts += 1
                    guard let result = try? vault.run(arguments, stdin: secret) else {
                        unexpected.withLock { $0.append("\(name) \(kind): could not start") }
                        break
                    }
                    if result.status == 8 && attempts < 20 {
                        busyRetries.add(1, ordering: .relaxed)
                        continue
                    }
                    guard result.status == 0 else {
                        unexpected.withLock { $0.append("\(name) \(kind): exit \(result.status) \(result.stderr)") }
                        break
                    }
                    if kind != "list" { mutations.add(1, ordering: .relaxed) }
                    let previous = mine[name]
                    switch kind {
                    case "add": mine[name] = Expectation(generation: (previous?.generation ?? 0) + 1, revoked: false, secret: secret)
                    case "rotate": mine[name] = Expectation(generation: previous!.generation + 1, revoked: false, secret: secret)
                    case "revoke": mine[name] = Expectation(generation: previous!.generation + 1, revoked: true, secret: "")
                    default: break
                    }
                    break
                }
            }
            expectations.withLock { $0.merge(mine) { $1 } }
        }

        #expect(unexpected.withLock { $0 }.isEmpty, "\(unexpected.withLock { $0 })")
        let handle = try vault.open()
        let audit = try handle.verifyAudit()
        #expect(audit.isIntact)
        #expect(audit.recordCount == 1 + mutations.load(ordering: .relaxed), "one audit record per landed change")
        for (name, expected) in expectations.withLock({ $0 }) {
            let record = try handle.account(named: name)
            #expect(record.generation == expected.generation, "\(name): lost update")
            #expect((record.status == .revoked) == expected.revoked)
            if !expected.revoked { #expect(try handle.secretMatches(name, expected.secret), "\(name) holds another secret") }
        }
        report("concurrency | \(workers) processes x \(operationsPerWorker) mixed add/rotate/revoke/list | \(mutations.load(ordering: .relaxed)) changes landed, \(busyRetries.load(ordering: .relaxed)) busy retries, 0 lost updates, audit intact")
    }
}
