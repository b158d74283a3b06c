import AppVault
import Foundation
import Glibc
import TestSupport
import Testing
import VaultCrypto
@testable import MailConnectors

/// A vault in a private folder with one account, `mail`, on the test servers.
struct SessionVault {
    let folder: String
    let vault: Vault

    init() throws {
        try MailFixtures.usersReady.get()
        folder = try MailFixtures.temporaryFolder()
        vault = try Vault.create(at: folder + "/vault.db", credential: .passphrase(SecureBytes(copying: Array("correct horse".utf8))),
                                 kdf: PasswordHash.minimum)
        let spec = try AccountSpec(
            name: "mail", email: MailFixtures.account.user, provider: "custom",
            imap: ServerEndpoint(host: "localhost", port: try TestServers.port(10993), security: .tls),
            smtp: ServerEndpoint(host: "localhost", port: try TestServers.port(10465), security: .tls))
        _ = try vault.addAccount(spec, secret: SecureBytes(copying: Array(MailFixtures.account.password.utf8)))
    }

    func options() throws -> ConnectionOptions { try TestServers.options() }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

@Suite("MailSession: in-process with a vault, and through a local endpoint")
struct MailSessionTests {
    @Test("an in-process session holds its lease, renews it while idle, meters traffic and ends the lease at logout")
    func inProcess() throws {
        let fixture = try SessionVault()
        defer { fixture.remove() }
        let logs = LogCapture()
        let client = try MailSession.imap(account: "mail", vault: fixture.vault, options: try fixture.options(),
                                          holder: "session test", leaseTTL: .seconds(4), logger: logs.logger())
        let first = try #require(client.lease)
        #expect(try fixture.vault.liveLeases().map(\.id) == [first.id])
        #expect(try client.list().contains { $0.name == "INBOX" })
        try client.examine("INBOX")
        // Other suites deliver to this mailbox too: new mail may end a wait early, so wait again
        // until five seconds (more than the lease's TTL) have passed in IDLE.
        let idleStart = ContinuousClock.now
        while ContinuousClock.now - idleStart < .seconds(5) {
            let outcome = try client.idle(timeout: .seconds(5) - (ContinuousClock.now - idleStart))
            #expect(outcome != .cancelled)
        }
        let renewed = try #require(client.lease)
        #expect(renewed.expiresAt > first.expiresAt.addingTimeInterval(1), "the lease was not renewed during IDLE")
        try client.logout()
        #expect(try fixture.vault.liveLeases().isEmpty)
        #expect(try fixture.vault.trafficToday(account: "mail").bytesIn >= client.bytesRead)
        #expect(!logs.text.contains(MailFixtures.account.password))
        // SMTP in-process: a message with an attachment reaches the mailbox.
        let token = "sess" + UUID().uuidString.prefix(8).lowercased()
        let smtp = try MailSession.smtp(account: "mail", vault: fixture.vault, options: try fixture.options())
        try smtp.send(try MailMessage(from: MailFixtures.account.user, to: [MailFixtures.account.user], subject: token, body: "x",
                                      attachments: [try MailAttachment(fileName: "a.pdf", mimeType: "application/pdf", data: statementPDF)]))
        try smtp.quit()
        let reader = try MailSession.imap(account: "mail", vault: fixture.vault, options: try fixture.options())
        defer { try? reader.logout() }
        let uid = try waitForMessage(reader, subject: token)
        #expect(try reader.fetchSummaries(uids: [uid]).summaries.first?.attachments.first?.fileName == "a.pdf")
    }

    @Test("revoking the session's lease ends the session at its next renewal")
    func revoked() throws {
        let fixture = try SessionVault()
        defer { fixture.remove() }
        let client = try MailSession.imap(account: "mail", vault: fixture.vault, options: try fixture.options(), leaseTTL: .seconds(2))
        try client.examine("INBOX")
        try fixture.vault.revokeLease(id: try #require(client.lease?.id))
        #expect(throws: VaultError.self) { _ = try client.idle(timeout: .seconds(5)) }
        #expect(client.isClosed)
    }

    @Test("through a loopback endpoint, with the credential in SecureBytes")
    func loopback() throws {
        try MailFixtures.usersReady.get()
        let client = try MailSession.imap(
            local: .loopback(port: try TestServers.port(10143)), account: MailFixtures.account.user,
            credential: SecureBytes(copying: Array(MailFixtures.account.password.utf8)), options: try TestServers.options())
        defer { try? client.logout() }
        #expect(try client.examine("INBOX").uidValidity != nil)
        #expect(throws: LocalSocketError.notLoopback("192.0.2.1")) {
            _ = try MailSession.imap(local: .loopback(host: "192.0.2.1", port: 143), account: "x",
                                     credential: SecureBytes(copying: [1]))
        }
    }

    @Test("through a checked Unix socket; a refused credential is localCredentialRefused")
    func unixSocket() throws {
        try MailFixtures.usersReady.get()
        let relay = try UnixRelay()
        defer { relay.stop() }
        let client = try MailSession.imap(local: .unixSocket(path: relay.socket), account: MailFixtures.account.user,
                                          credential: SecureBytes(copying: Array(MailFixtures.account.password.utf8)),
                                          options: try TestServers.options())
        #expect(try client.list().contains { $0.name == "INBOX" })
        try client.logout()
        #expect(relay.connections() == 1)
        #expect {
            _ = try MailSession.imap(local: .unixSocket(path: relay.socket), account: MailFixtures.account.user,
                                     credential: SecureBytes(copying: Array("avt-not-the-token".utf8)), options: try TestServers.options())
        } throws: { error in
            if case ConnectorError.localCredentialRefused = error { return true }
            return false
        }
    }

    @Test("a socket in a folder others can enter or write is refused before a byte is sent")
    func openFolder() throws {
        let relay = try UnixRelay()
        defer { relay.stop() }
        chmod(relay.folder, 0o755)
        #expect(throws: LocalSocketError.folderNotPrivate(path: relay.folder, mode: 0o755)) {
            _ = try CheckedUnixSocket.connect(path: relay.socket)
        }
        chmod(relay.folder, 0o700)
        #expect(relay.connections() == 0)
    }

    @Test("a socket or folder owned by another user, a symlinked folder, or not a socket, is refused")
    func planted() throws {
        let relay = try UnixRelay()
        defer { relay.stop() }
        let nobody: UInt32 = 65534
        #expect(throws: LocalSocketError.folderNotOwned(path: relay.folder, owner: getuid(), expected: nobody)) {
            _ = try CheckedUnixSocket.connect(path: relay.socket, owner: nobody)
        }
        guard getuid() == 0 else { return }  // chown needs root (CI and the dev machines run as root)
        chown(relay.socket, nobody, nobody)
        #expect(throws: LocalSocketError.socketNotOwned(path: relay.socket, owner: nobody, expected: 0)) {
            _ = try CheckedUnixSocket.connect(path: relay.socket)
        }
        let link = relay.folder + "-link"
        symlink(relay.folder, link)
        defer { unlink(link) }
        #expect(throws: LocalSocketError.folderMissing(link)) { _ = try CheckedUnixSocket.connect(path: link + "/imap.sock") }
        let file = relay.folder + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: LocalSocketError.notASocket(file)) { _ = try CheckedUnixSocket.connect(path: file) }
        #expect(throws: LocalSocketError.socketMissing(relay.folder + "/none")) {
            _ = try CheckedUnixSocket.connect(path: relay.folder + "/none")
        }
        #expect(throws: LocalSocketError.invalidPath("relative/imap.sock")) { _ = try CheckedUnixSocket.connect(path: "relative/imap.sock") }
        #expect(relay.connections() == 0)
    }

    @Test("a process of another user answering on our socket is refused (SO_PEERCRED)")
    func foreignPeer() throws {
        guard getuid() == 0 else { return }  // running the relay as nobody needs root
        let relay = try UnixRelay(asUser: 65534)
        defer { relay.stop() }
        #expect(throws: LocalSocketError.peerNotOwned(uid: 65534, expected: 0)) {
            _ = try CheckedUnixSocket.connect(path: relay.socket)
        }
    }
}

/// Tests/Scripts/unix_relay.py on a socket in a fresh 0700 folder, relaying to Dovecot's plaintext port.
final class UnixRelay {
    let folder: String
    let socket: String
    private let log: String
    private let process = Process()
    private let output = Pipe()

    /// - Parameter asUser: run the relay as this uid (the socket is then handed back to us).
    init(asUser uid: UInt32? = nil) throws {
        var template = Array("/tmp/appvault-sock-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        socket = folder + "/imap.sock"
        log = folder + ".log"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/unix_relay.py").path
        let arguments = [script, socket, String(try TestServers.port(10143))] + (uid == nil ? [log] : [])
        if let uid {
            chmod(folder, 0o777)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = arguments
        }
        process.standardOutput = output
        try process.run()
        _ = output.fileHandleForReading.availableData  // "ready"
        if uid != nil {
            chown(socket, getuid(), getgid())
            chmod(folder, 0o700)
        }
    }

    /// Connections the relay accepted.
    func connections() -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func stop() {
        // SIGKILL: a child of the test runner may start with SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: log)
    }
}

