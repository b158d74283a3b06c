import AppVault
import Foundation
import Glibc
import Testing
import TestSupport

/// Mounting a small tmpfs needs root (CI runs as root); elsewhere these tests are skipped, not passed.
@Suite("Disk trouble: full disk and read-only folder", .enabled(if: getuid() == 0, "needs root to mount a tmpfs"))
struct DiskTroubleTests {
    /// A 4 MiB tmpfs mounted for the test and unmounted after.
    final class SmallDisk {
        let path: String
        init() throws {
            var template = Array("/tmp/appvault-disk-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
            try Self.sh("mount -t tmpfs -o size=4m,mode=0700 appvault-test '\(path)'")
        }
        deinit {
            _ = try? Self.sh("umount -l '\(path)'")
            rmdir(path)
        }
        static func sh(_ command: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw VaultError.io("command failed: \(command)") }
        }
    }

    func vault(on disk: SmallDisk) throws -> KeyFileVault {
        let vault = try KeyFileVault(vaultPath: disk.path + "/vault/vault.db")
        #expect(try vault.run(KeyFileVault.customAccount("work"), stdin: "secret-before").status == 0)
        return vault
    }

    @Test("a full disk fails add and rotate with a clear error and keeps the previous state")
    func fullDisk() throws {
        let disk = try SmallDisk()
        let vault = try vault(on: disk)
        defer { vault.cli.cleanUp() }
        try? SmallDisk.sh("dd if=/dev/zero of='\(disk.path)/filler' bs=64k 2>/dev/null")
        let rotate = try vault.run(["rotate", "work"], stdin: "secret-after")
        let add = try vault.run(KeyFileVault.customAccount("other"), stdin: "secret-other")
        #expect(rotate.status != 0 && add.status != 0)
        #expect(rotate.stderr.contains("could not be written") || rotate.stderr.contains("cannot write"), "\(rotate.stderr)")
        #expect(!rotate.all.contains("secret-"))
        unlink(disk.path + "/filler")
        let handle = try vault.open()
        #expect(try handle.verifyAudit().isIntact)
        #expect(try handle.secretMatches("work", "secret-before"))
        #expect(throws: VaultError.noSuchAccount("other")) { _ = try handle.account(named: "other") }
        report("disk-full | rotate and add on a full 4 MiB tmpfs | both refused with a clear error; previous secret and audit chain intact")
    }

    @Test("a read-only vault folder fails changes with a clear error and keeps the previous state")
    func readOnly() throws {
        let disk = try SmallDisk()
        let vault = try vault(on: disk)
        defer { vault.cli.cleanUp() }
        try SmallDisk.sh("mount -o remount,ro '\(disk.path)'")
        let rotate = try vault.run(["rotate", "work"], stdin: "secret-after")
        #expect(rotate.status != 0, "\(rotate.all)")
        #expect(!rotate.stderr.isEmpty && !rotate.all.contains("secret-"))
        try SmallDisk.sh("mount -o remount,rw '\(disk.path)'")
        let handle = try vault.open()
        #expect(try handle.verifyAudit().isIntact)
        #expect(try handle.secretMatches("work", "secret-before"))
        report("read-only | rotate on a read-only remounted vault folder | refused with a clear error; previous secret and audit chain intact")
    }
}
