import AppVault
import Foundation
import TestSupport
import Testing
@testable import MailConnectors

/// Mailboxes with real messages in the test Dovecot, put there with Python's imaplib, and
/// sessions to read them.
enum MailFixtures {
    /// The account the fetch tests read; each test uses mailboxes of its own.
    static let account = TestAccount(user: "mailtest@example.test", password: "mailtest-app-password-4")
    /// The account whose INBOX the IDLE tests watch (mail arrives there over SMTP).
    static let idleAccount = TestAccount(user: "idle@example.test", password: "idle-app-password-5")

    /// Adds the fixture accounts to the servers' passwd-file once per test process.
    static let usersReady: Result<Void, TestServers.Unavailable> = {
        do {
            let passwd = try String(contentsOfFile: try TestServers.directory() + "/passwd", encoding: .utf8)
            for account in [account, idleAccount] where !passwd.contains(account.user + ":{PLAIN}" + account.password + ":") {
                try TestServers.setPassword(user: account.user, to: account.password)
            }
            return .success(())
        } catch let error as TestServers.Unavailable {
            return .failure(error)
        } catch {
            return .failure(TestServers.Unavailable(description: "cannot add the fixture accounts: \(error)"))
        }
    }()

    /// A new mailbox name for one test.
    static func uniqueMailbox(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

    /// Appends `files` to `mailbox` (created if needed) with Python's imaplib; returns their UIDs.
    static func append(_ files: [String], to mailbox: String, as account: TestAccount = account) throws -> [UInt32] {
        try usersReady.get()
        var uids: [UInt32] = []
        // Batches keep the command line short.
        for start in stride(from: 0, to: files.count, by: 200) {
            let batch = Array(files[start..<min(start + 200, files.count)])
            let output = try python("imap_fixture.py", ["localhost", String(try TestServers.port(10993)),
                                                         try TestServers.directory() + "/ca.pem", account.user, mailbox] + batch,
                                    stdin: account.password + "\n")
            let decoded = try JSONDecoder().decode([UInt32?].self, from: output)
            uids += decoded.compactMap { $0 }
        }
        return uids
    }

    /// Writes `bytes` to a new file in a temporary folder and returns its path.
    static func file(_ bytes: [UInt8], named name: String = "message.eml") throws -> String {
        let folder = try temporaryFolder()
        let path = folder + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw TestServers.Unavailable(description: "cannot write \(path)")
        }
        return path
    }

    /// A new private temporary folder.
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("appvault-mail-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    /// An IMAP session for `account` over implicit TLS.
    static func session(_ account: TestAccount = account, budget: (any TrafficBudget)? = nil,
                        logs: LogCapture = LogCapture(), timeout: Duration = .seconds(10)) throws -> IMAPClient {
        try usersReady.get()
        let lease = try TestServers.lease(.imap, port: 10993, security: .tls, user: account.user)
        return try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: account.password),
                                      options: try TestServers.options(timeout: timeout, budget: budget), logger: logs.logger())
    }

    /// Runs a script of Tests/Corpus with the Debian Python (which has the packages the tests
    /// install) and returns its standard output.
    static func python(_ script: String, _ arguments: [String], stdin: String = "") throws -> Data {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpus/" + script).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [path] + arguments
        let output = Pipe()
        let input = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestServers.Unavailable(description: "\(script) failed: \(String(decoding: problem.prefix(2000), as: UTF8.self))")
        }
        return data
    }
}
