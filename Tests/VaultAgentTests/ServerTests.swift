import Foundation
import Glibc
import Testing
import AppVault
@testable import VaultAgent
import VaultCrypto

/// Reads the lease's secret through the agent, as a connector in another process would.
private func redeem(_ client: AgentClient, _ lease: Lease, _ proto: MailProtocol = .imap) throws -> String {
    try client.redeem(lease, for: proto) { string($0) }
}

@Suite("Agent serving a real vault", .serialized)
struct ServerTests {
    @Test("a one-use lease redeems once through the agent, then fails as used up")
    func leaseWorksOnce() throws {
        let agent = try AgentHarness()
        let lease = try agent.client.lease(account: "work", for: .imap)
        #expect(lease.usesLeft == 1 && lease.holder.hasPrefix("uid \(getuid()) pid \(getpid())"))
        let matches = try redeem(agent.client, lease) == appPassword
        #expect(matches, "the redeemed secret is the account's password")
        #expect(throws: VaultError.leaseUsedUp(lease.id), "through the agent, a connector sees the vault's own error") {
            _ = try redeem(agent.client, lease)
        }
        let leaked = agent.logs.all.contains(appPassword) || agent.logs.all.contains(vaultPassphrase)
        #expect(!leaked, "no secret in the agent's log")
    }

    @Test("an expired lease fails with lease-expired (the vault's clock is moved, not slept)")
    func expiredLeaseFails() throws {
        let agent = try AgentHarness()
        let lease = try agent.client.lease(account: "work", for: .smtp, ttl: .seconds(1), uses: 3)
        agent.vaultClock.advance(seconds: 2)
        #expect(refusal { _ = try redeem(agent.client, lease, .smtp) } == .leaseExpired)
    }

    @Test("a lease used for the wrong protocol, or altered by the client, is refused")
    func wrongProtocolAndForgedLease() throws {
        let agent = try AgentHarness()
        let lease = try agent.client.lease(account: "work", for: .smtp, uses: 2)
        #expect(refusal { _ = try redeem(agent.client, lease, .imap) } == .leaseWrongProtocol)
        var forged = lease
        forged.account = "payroll"
        #expect(refusal { _ = try redeem(agent.client, forged, .smtp) } != nil)
    }

    @Test("revoke through the agent and rotate from another process end outstanding leases")
    func revokeAndRotateEndLeases() throws {
        let agent = try AgentHarness()
        let first = try agent.client.lease(account: "work", for: .imap, uses: 5)
        let second = try agent.client.lease(account: "work", for: .imap, uses: 5)
        #expect(try agent.client.liveLeases().map(\.id).sorted() == [first.id, second.id].sorted())
        try agent.client.revokeLease(id: first.id)
        #expect(refusal { _ = try redeem(agent.client, first) } == .leaseRevoked)
        #expect(try agent.client.liveLeases().map(\.id) == [second.id])

        // Another process (the real CLI) rotates the account's password in the same file.
        let passphraseFile = agent.folder.file("passphrase")
        _ = FileManager.default.createFile(atPath: passphraseFile, contents: Data((vaultPassphrase + "\n").utf8),
                                       attributes: [.posixPermissions: 0o600])
        let rotated = try runProgram(appvaultExecutable, ["rotate", "work", "--vault", agent.vaultPath,
                                                          "--passphrase-file", passphraseFile],
                                     environment: ["APPVAULT_LOG_LEVEL": "error"], stdin: "Rotated-appw0rd-9999\n")
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(refusal { _ = try redeem(agent.client, second) } == .leaseStale)
    }

    @Test("the agent locks after its idle time, and then answers locked")
    func idleLock() throws {
        let agent = try AgentHarness(idleLock: .seconds(60))
        #expect(try agent.client.status().unlocked)
        agent.agentClock.advance(seconds: 59)
        agent.server.checkIdleLock()
        #expect(try agent.client.status().unlocked, "status requests do not count as activity, but 59 s < 60 s")
        agent.agentClock.advance(seconds: 2)
        // The accept loop checks several times a second; give a busy machine up to 5 s.
        #expect(eventually { (try? agent.client.status().unlocked) == false })
        #expect(!agent.vault.isUnlocked)
        #expect(refusal { _ = try agent.client.lease(account: "work", for: .imap) } == .locked)
        try agent.client.unlock(passphrase: secure(vaultPassphrase))
        #expect(try agent.client.status().unlocked)
    }

    @Test("renew extends a lease up to its maximum lifetime; the owner may list and revoke any lease")
    func renewAndList() throws {
        let agent = try AgentHarness()
        let lease = try agent.client.lease(account: "work", for: .smtp, ttl: .seconds(20), uses: 2)
        agent.vaultClock.advance(seconds: 15)
        let renewed = try agent.client.renew(lease: lease.id, ttl: .seconds(60))
        #expect(renewed.id == lease.id && renewed.expiresAt == agent.vaultClock.now().addingTimeInterval(60))
        agent.vaultClock.advance(seconds: 30)
        #expect(try agent.client.redeem(lease, for: .smtp) { $0.count } == appPassword.utf8.count)
        #expect(try agent.client.liveLeases().map(\.id) == [lease.id])
        #expect(refusal { _ = try agent.client.renew(lease: "no-such-lease") } == .noSuchLease)
    }

    @Test("a key-file vault is unlocked through the agent with the key file's contents")
    func keyFileUnlock() throws {
        let folder = TemporaryFolder()
        let keyPath = folder.file("vault.key")
        let vault = try Vault.create(at: folder.file("vault.db"), credential: .createKeyFile(at: keyPath))
        vault.lock()
        let server = AgentServer(vault: vault, configuration: AgentConfiguration(
            socketPath: folder.file("run/agent.sock"), hardenProcess: false), logger: LogCapture().logger)
        try server.start()
        defer { server.stop(); server.wait() }
        let client = AgentClient(socketPath: folder.file("run/agent.sock"))
        #expect(refusal { try client.unlock(passphrase: secure("not a key file")) } == .invalidInput)
        try client.unlock(keyFileContents: SecretFile.read(path: keyPath, maximumBytes: 4096, requirePrivate: true))
        #expect(try client.status().unlocked)
    }

    @Test("unlock with a wrong passphrase is refused; lock zeroes the keys")
    func unlockAndLock() throws {
        let agent = try AgentHarness(unlocked: false)
        #expect(refusal { _ = try agent.client.lease(account: "work", for: .imap) } == .locked)
        #expect(refusal { try agent.client.unlock(passphrase: secure("wrong")) } == .wrongCredential)
        try agent.client.unlock(passphrase: secure(vaultPassphrase))
        #expect(agent.vault.isUnlocked)
        try agent.client.lock()
        #expect(!agent.vault.isUnlocked)
        let leaked = agent.logs.all.contains(vaultPassphrase)
        #expect(!leaked, "no passphrase in the agent's log")
    }

    @Test("garbage and oversized frames get an error reply and a closed connection; others are still served")
    func garbageAndOversizedFrames() throws {
        let agent = try AgentHarness()
        let bystander = try RawConnection(agent.socketPath)

        let garbage = try RawConnection(agent.socketPath)
        garbage.send([0, 0, 0, 8, 1, 0x42, 0, 0, 0, 5, 0xde, 0xad])
        let garbageReply = try #require(garbage.readReply())
        #expect(garbageReply.failureCode == .unknownRequest && garbageReply.id == 5)
        #expect(garbage.isClosedByPeer())

        let oversized = try RawConnection(agent.socketPath)
        oversized.send([0x7f, 0xff, 0xff, 0xff])
        #expect(oversized.readReply()?.failureCode == .frameTooLarge)
        #expect(oversized.isClosedByPeer())

        let badVersion = try RawConnection(agent.socketPath)
        badVersion.send([0, 0, 0, 6, 9, 1, 0, 0, 0, 1])
        #expect(badVersion.readReply()?.failureCode == .unsupportedVersion)

        bystander.send(try frameBytes(.status, id: 77))
        let reply = try #require(bystander.readReply())
        #expect(reply.id == 77 && reply.failureCode == nil)
        #expect(try agent.client.status().unlocked)
    }

    @Test("a client that trickles bytes or idles is dropped without slowing others")
    func slowClientsAreDropped() throws {
        let agent = try AgentHarness(connectionIdleTimeout: .seconds(3), frameTimeout: .seconds(3))
        let trickler = try RawConnection(agent.socketPath)
        let idler = try RawConnection(agent.socketPath)
        trickler.send([0, 0])  // half a length prefix, then nothing
        let start = ContinuousClock.now
        for _ in 0..<20 { _ = try agent.client.status() }
        #expect(ContinuousClock.now - start < .seconds(2), "other clients are served while the slow ones wait")
        #expect(trickler.readReply()?.failureCode == .timeout)
        #expect(trickler.isClosedByPeer())
        #expect(idler.readReply()?.failureCode == .timeout)
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    @Test("connections over the cap are refused with too-many-connections")
    func connectionCap() throws {
        let agent = try AgentHarness(maxConnections: 2)
        var held = try [RawConnection(agent.socketPath), RawConnection(agent.socketPath)]
        #expect(eventually { refusal { _ = try agent.client.status() } == .tooManyConnections })
        #expect(held.count == 2)
        held.removeAll()
        #expect(eventually { (try? agent.client.status()) != nil }, "served again once the held connections close")
    }

    @Test("a peer the policy does not know is refused at connect, and the refusal is logged without secrets")
    func strangerRefused() throws {
        let stranger = PeerIdentity(uid: 4321, gid: 4321, pid: 99, executable: "/usr/bin/evil")
        let agent = try AgentHarness(peer: stranger)
        #expect(refusal { _ = try agent.client.status() } == .denied)
        #expect(agent.logs.all.contains("agent.deny"))
        #expect(agent.logs.all.contains("uid 4321"))
        let denial = try agent.vault.auditRecords().last
        #expect(denial?.event == "agent.deny" && denial?.actor.contains("uid 4321") == true, "the refusal is in the audit chain")
        #expect(try agent.vault.verifyAudit().isIntact)
    }

    @Test("a rule-bound peer may lease and redeem only its account and protocol, and may not unlock or list")
    func ruleBoundPeer() throws {
        let reader = PeerIdentity(uid: 4321, gid: 4321, pid: 99, executable: "/usr/local/bin/statements")
        let policy = AgentPolicy(rules: [.init(uid: 4321, executable: "/usr/local/bin/statements", accounts: ["work"], protocols: [.imap])])
        let agent = try AgentHarness(policy: policy, peer: reader)
        let lease = try agent.client.lease(account: "work", for: .imap)
        let matches = try redeem(agent.client, lease) == appPassword
        #expect(matches, "the allowed peer reads the password")
        #expect(refusal { _ = try agent.client.lease(account: "work", for: .smtp) } == .denied)
        #expect(refusal { _ = try agent.client.lease(account: "other", for: .imap) } == .denied)
        #expect(refusal { try agent.client.lock() } == .denied)
        #expect(refusal { _ = try agent.client.liveLeases() } == .denied)
        #expect(agent.vault.isUnlocked)
        #expect(try agent.vault.auditRecords().filter { $0.event == "agent.deny" }.count == 4)

        // Renew and revoke: allowed on live leases of its own account and protocol only.
        let own = try agent.client.lease(account: "work", for: .imap, ttl: .seconds(30))
        agent.vaultClock.advance(seconds: 10)
        #expect(try agent.client.renew(lease: own.id, ttl: .seconds(30)).expiresAt > own.expiresAt)
        try agent.client.revokeLease(id: own.id)
        let foreign = try agent.vault.lease(account: "work", for: .smtp, holder: "someone else")
        #expect(refusal { _ = try agent.client.renew(lease: foreign.id) } == .denied)
        #expect(refusal { try agent.client.revokeLease(id: foreign.id) } == .denied)
        #expect(refusal { try agent.client.revokeLease(id: "no-such-lease") } == .denied, "no probing for lease ids")
    }

    @Test("the socket is created 0600 in a 0700 folder; a stale socket is replaced; a live agent is not",
          .enabled(if: getuid() == 0, "needs root to make a folder owned by another uid"))
    func socketSafety() throws {
        let agent = try AgentHarness()
        var info = stat()
        #expect(lstat(agent.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(lstat(agent.folder.file("run"), &info) == 0 && info.st_mode & 0o777 == 0o700)
        let second = AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: agent.socketPath, hardenProcess: false), logger: agent.logs.logger)
        #expect(throws: AgentError.alreadyRunning(agent.socketPath)) { try second.start() }

        // A stale socket file (no listener) is removed and replaced.
        let folder = TemporaryFolder()
        let stalePath = folder.file("run/agent.sock")
        mkdir(folder.file("run"), 0o755)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stalePath.utf8)) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        let fresh = AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: stalePath, hardenProcess: false), logger: agent.logs.logger)
        try fresh.start()
        #expect(lstat(folder.file("run"), &info) == 0 && info.st_mode & 0o777 == 0o700, "the folder was tightened")
        #expect(try AgentClient(socketPath: stalePath).status().pid == UInt32(getpid()))
        fresh.stop()
        fresh.wait()

        // A folder owned by someone else is refused.
        let foreign = folder.file("foreign")
        mkdir(foreign, 0o700)
        chown(foreign, 65534, 65534)
        let refused = AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: foreign + "/agent.sock", hardenProcess: false), logger: agent.logs.logger)
        #expect(throws: AgentError.self) { try refused.start() }
    }

    @Test("a process of another uid is refused for real (SO_PEERCRED), even when it can reach the socket",
          .enabled(if: getuid() == 0, "needs root to run a client as uid 65534"))
    func otherUIDRefusedForReal() throws {
        let agent = try AgentHarness()
        // Open the way for uid 65534 to the socket, so only the peer check stands between.
        chmod(agent.folder.path, 0o711)
        chmod(agent.folder.file("run"), 0o711)
        chmod(agent.socketPath, 0o666)
        let script = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(struct.pack(">IBBI", 6, 1, 1, 7))
            def exactly(n):
                data = b""
                while len(data) < n:
                    chunk = s.recv(n - len(data))
                    if not chunk: raise SystemExit("closed early")
                    data += chunk
                return data
            (length,) = struct.unpack(">I", exactly(4))
            version, kind, rid, code = struct.unpack(">BBIH", exactly(length)[:8])
            print(kind, code)
            """
        let result = try runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                          "/usr/bin/python3", "-c", script, agent.socketPath])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "255 5", "error frame, code denied")
        #expect(agent.logs.all.contains("agent.deny") && agent.logs.all.contains("uid 65534"))
        #expect(try agent.client.status().unlocked, "the owner is still served")
    }
}
