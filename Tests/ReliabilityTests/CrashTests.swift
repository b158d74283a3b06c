import AppVault
import Foundation
import Glibc
import Testing
import TestSupport

@Suite("Crash at any instant: SIGKILL leaves the old or the new state")
struct CrashTests {
    enum Operation: String, CaseIterable { case rotate, revoke, add, passwd }

    @Test("killed add, rotate, revoke and passwd never corrupt the vault")
    func killAtRandomPoints() throws {
        var vault = try KeyFileVault()
        defer { vault.cli.cleanUp() }
        #expect(try vault.run(KeyFileVault.customAccount("work"), stdin: "secret-start").status == 0)
        var current = "secret-start"
        // Calibrate: kill at a random instant within about one whole command, however fast or
        // loaded this machine is, so kills land before, during and after the commit.
        var durations: [Double] = []
        for round in 0..<3 {
            let started = Date()
            current = "secret-calibration-\(round)"
            #expect(try vault.run(["rotate", "work"], stdin: current).status == 0)
            durations.append(Date().timeIntervalSince(started))
        }
        let window = UInt32(min(2_000_000, max(20_000, durations.sorted()[1] * 1.3 * 1_000_000)))
        var revoked = false
        var killed = 0, finished = 0, changedDespiteKill = 0
        let cases = iterations("APPVAULT_CRASH_ITERATIONS", short: 40)
        for index in 0..<cases {
            let operation = revoked ? .add : Operation.allCases.randomElement()!
            let candidate = "secret-\(index)-\(UInt32.random(in: 0...UInt32.max))"
            let newKey = vault.cli.folder + "/key-\(index + 1)"
            let arguments: [String]
            switch operation {
            case .rotate: arguments = ["rotate", "work"]
            case .revoke: arguments = ["revoke", "work"]
            case .add: arguments = KeyFileVault.customAccount("work")
            case .passwd: arguments = ["passwd", "--new-key-file", newKey]
            }
            let process = try vault.cli.spawn(arguments, stdin: Data(candidate.utf8), environment: vault.environment)
            usleep(UInt32.random(in: 0...window))
            let wasKilled = process.isRunning
            if wasKilled { kill(process.processIdentifier, SIGKILL); killed += 1 } else { finished += 1 }
            process.waitUntilExit()
            let before = (current, revoked, vault.keyFile)

            // The vault opens with exactly one of the old and new key files.
            var opened: Vault?
            if operation == .passwd, FileManager.default.fileExists(atPath: newKey), let newVault = try? vault.open(keyFile: newKey) {
                vault.keyFile = newKey
                opened = newVault
            } else {
                opened = try vault.open()
            }
            let handle = try #require(opened)
            let audit = try handle.verifyAudit()
            #expect(audit.isIntact, "after \(operation) case \(index): \(audit.problems)")

            // The account holds the old or the new secret, never anything else.
            let record = try handle.account(named: "work")
            switch operation {
            case .rotate, .add:
                if record.status == .revoked {
                    #expect(revoked, "add of a revoked account was half applied")
                } else if try handle.secretMatches("work", candidate) {
                    current = candidate
                    revoked = false
                } else {
                    #expect(try handle.secretMatches("work", current), "case \(index): neither old nor new secret")
                }
            case .revoke:
                revoked = record.status == .revoked
                if !revoked { #expect(try handle.secretMatches("work", current)) }
            case .passwd:
                #expect(try handle.secretMatches("work", current), "passwd changed an entry")
            }
            if wasKilled && (before.0 != current || before.1 != revoked || before.2 != vault.keyFile) { changedDespiteKill += 1 }
        }
        report("crash | \(cases) commands (add, rotate, revoke, passwd) SIGKILLed at a random instant in 0-\(window / 1000) ms (1.3x a measured rotate): \(killed) killed mid-run (\(changedDespiteKill) of them had committed), \(finished) finished first | vault opened, audit chain intact, old-or-new secret after every one")
    }
}
