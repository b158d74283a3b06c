import TestSupport
import Foundation
import Glibc
import Testing
import AppVault
@testable import VaultAgent
import VaultCrypto

@Suite("Agent serving a real vault (protocol 2)", .serialized)
struct ServerTests {
    @Test("a login lease is granted with a one-time password that is a local credential, never the app password")
    func grantLogin() throws {
        let agent = try AgentHarness()
        let (lease, password) = try agent.client.grantLogin(account: "work", for: .imap) { lease, password in
            (lease, string(password))
        }
        #expect(lease.kind == .login && lease.usesLeft == 1 && lease.holder.hasPrefix("uid \(getuid()) pid \(getpid())"))
        #expect(password.hasPrefix("avl-\(lease.id)-") && password.count == 53)
        #expect(!password.contains(appPassword))
        #expect(try agent.client.liveLeases().map(\.id) == [lease.id])
        let leaked = agent.logs.text.contains(appPassword) || agent.logs.text.contains(vaultPassphrase) || agent.logs.text.contains(password)
        #expect(!leaked, "no secret in the agent's log")
    }

    @Test("no request of the protocol returns the app password: every request type is spoken to a live agent")
    func noRequestReturnsThePassword() throws {
        let agent = try AgentHarness()
        let needle = Array(appPassword.utf8)
        var replies: [[UInt8]] = []
        func exchange(_ request: consuming AgentRequest) throws {
            let connection = try RawConnection(agent.socketPath)
            connection.send(try frameBytes(request, id: 9))
            replies.append(try #require(connection.readRawReply()))
        }
        try exchange(.status)
        try exchange(.unlock(secure(vaultPassphrase)))
        try exchange(.unlockWithKeyFile(secure(String(repeating: "k", count: 32))))
        try exchange(.grantLogin(account: "work", protocol: .imap, ttlSeconds: 0))
        let leaseID = try agent.vault.liveLeases()[0].id
        try exchange(.renew(leaseID: leaseID, ttlSeconds: 30))
        try exchange(.listLeases(offset: 0))
        try exchange(.listAccounts(offset: 0))
        try exchange(.addToken(account: "work", client: "t", protocols: [.imap], expiresSeconds: 0))
        try exchange(.listTokens(offset: 0))
        try exchange(.revokeToken(id: try agent.vault.tokens()[0].id))
        try exchange(.revokeLease(leaseID: leaseID))
        try exchange(.setFetchState(account: "work", mailbox: "INBOX", uidValidity: 7, lastUID: 3))
        try exchange(.getFetchState(account: "work", mailbox: "INBOX"))
        try exchange(.lock)
        for type: UInt8 in [0x04, 0x05] {
            let connection = try RawConnection(agent.socketPath)
            connection.send([0, 0, 0, 6, 2, type, 0, 0, 0, 9])
            replies.append(try #require(connection.readRawReply()))
        }
        #expect(replies.count == 16)
        for reply in replies { #expect(!reply.contains(subsequence: needle)) }
        #expect(Set(replies.map { $0[1] }).isSuperset(of: [0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8A, 0xFF]),
                "every reply type was exercised")
    }

    @Test("the retired requests (lease 0x04, redeem 0x05) are unknown; a protocol-1 client is told to upgrade")
    func retiredRequestsAndOldClients() throws {
        let agent = try AgentHarness()
        for type: UInt8 in [0x04, 0x05] {
            let connection = try RawConnection(agent.socketPath)
            connection.send([0, 0, 0, 6, 2, type, 0, 0, 0, 3])
            #expect(connection.readReply()?.failureCode == .unknownRequest)
        }
        let old = try RawConnection(agent.socketPath)
        old.send([0, 0, 0, 6, 1, 0x01, 0, 0, 0, 42])  // a version-1 status request
        let raw = try #require(old.readRawReply())
        #expect(raw[0] == 1 && raw[1] == 0xFF, "a version-1 error frame an old client can read")
        #expect(String(decoding: raw, as: UTF8.self).contains("upgrade appvault"))
        #expect(old.isClosedByPeer())
    }

    @Test("status names the vault the agent serves; a client pointed at another vault does not use it")
    func vaultIdentity() throws {
        let agent = try AgentHarness()
        #expect(try agent.client.status().vaultID == agent.vault.id)
        #expect(try agent.client.status(servingVault: agent.vault.id).unlocked)
        let other = try VaultFixtureForAgent()
        #expect(throws: AgentError.self) { _ = try agent.client.status(servingVault: other.vault.id) }
    }

    @Test("tokens are made, listed (never their text) and revoked through the agent; accounts list without secrets")
    func tokensAndAccounts() throws {
        let agent = try AgentHarness()
        let (token, text) = try agent.client.addToken(account: "work", client: "finance-app", protocols: [.imap],
                                                      expiresIn: .seconds(3600)) { token, text in (token, string(text)) }
        #expect(text.hasPrefix("avt-\(token.id)-") && token.protocols == [.imap] && token.expiresAt != nil)
        let listed = try agent.client.tokens()
        #expect(listed.map(\.id) == [token.id] && listed[0].client == "finance-app")
        let accounts = try agent.client.accounts()
        #expect(accounts.map(\.record.name) == ["other", "work"] && accounts.allSatisfy { $0.traffic != nil })
        try agent.client.revokeToken(id: token.id)
        #expect(try agent.client.tokens().isEmpty)
        #expect(refusal { try agent.client.revokeToken(id: token.id) } == .noSuchToken)
    }

    @Test("a listing longer than one frame arrives whole, each account once; a page asked for after a change is cut from a fresh listing")
    func pagedListing() throws {
        let agent = try AgentHarness()
        func add(_ name: String) throws {
            let spec = try AccountSpec(name: name, email: name + "@example.com", provider: "custom",
                                   imap: try ServerEndpoint(parsing: "imap.example.com:993"),
                                   smtp: try ServerEndpoint(parsing: "smtp.example.com:465"))
            try agent.vault.addAccount(spec, secret: try secure("Listing-appw0rd-" + name))
        }
        for index in 0..<900 { try add(String(format: "acct%04d", index)) }
        let listed = try agent.client.accounts().map(\.record.name)
        #expect(listed.count == 902 && Set(listed).count == 902 && listed == listed.sorted())

        func page(at offset: Int) throws -> [String] {
            let connection = try RawConnection(agent.socketPath)
            connection.send(try frameBytes(.listAccounts(offset: UInt32(offset)), id: 5))
            let body = try #require(connection.readRawReply())
            let length = UInt32(body.count)
            let prefix = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            switch try ResponseCodec.decode(frame: prefix + body).response {
            case .accounts(let page): return page.items.map(\.record.name)
            default:
                Issue.record("not an account page")
                return []
            }
        }
        let first = try page(at: 0)
        try #require(first.count < 902, "the listing needs more than one frame")
        #expect(try page(at: first.count).first == listed[first.count], "the next page continues the same listing")
        // An account that sorts first shifts every later one by one place: a page cut from the
        // listing kept for the first page would skip an account.
        try add("aaa-new")
        #expect(try page(at: first.count).first == first.last, "after a change the page comes from a fresh listing")
    }

    @Test("the agent locks after its idle time, and then answers locked")
    func idleLock() throws {
        let agent = try AgentHarness(idleLock: .seconds(60))
        #expect(try agent.client.status().unlocked)
        agent.agentClock.advance(seconds: 59)
        agent.server.checkIdleLock()
        #expect(try agent.client.status().unlocked, "status requests do not count as activity, but 59 s < 60 s")
        agent.agentClock.advance(seconds: 2)
        #expect(eventually { (try? agent.client.status().unlocked) == false })
        #expect(!agent.vault.isUnlocked)
        #expect(refusal { _ = try agent.client.grantLogin(account: "work", for: .imap) { _, _ in () } } == .locked)
        try agent.client.unlock(passphrase: secure(vaultPassphrase))
        #expect(try agent.client.status().unlocked)
    }

    @Test("renew extends a lease up to its maximum lifetime; the owner may list and revoke any lease")
    func renewAndRevoke() throws {
        let agent = try AgentHarness()
        let lease = try agent.client.grantLogin(account: "work", for: .smtp, ttl: .seconds(20)) { lease, _ in lease }
        agent.vaultClock.advance(seconds: 15)
        let renewed = try agent.client.renew(lease: lease.id, ttl: .seconds(60))
        #expect(renewed.id == lease.id && renewed.expiresAt == agent.vaultClock.now().addingTimeInterval(60))
        try agent.client.revokeLease(id: lease.id)
        #expect(try agent.client.liveLeases().isEmpty)
        #expect(refusal { _ = try agent.client.renew(lease: lease.id) } == .leaseRevoked)
        #expect(refusal { _ = try agent.client.renew(lease: "0011223344556677") } == .noSuchLease)
    }

    @Test("a key-file vault is unlocked through the agent with the key file's contents")
    func keyFileUnlock() throws {
        let folder = TemporaryFolder()
        let keyPath = folder.file("vault.key")
        let vault = try Vault.create(at: folder.file("vault.db"), credential: .createKeyFile(at: keyPath))
        vault.lock()
        let server = try AgentServer(vault: vault, configuration: AgentConfiguration(
            socketPath: folder.file("run/agent.sock"), hardenProcess: false), logger: LogCapture().logger())
        try server.start()
        defer { server.stop(); server.wait() }
        let client = AgentClient(socketPath: folder.file("run/agent.sock"))
        #expect(refusal { try client.unlock(passphrase: secure("not a key file at all")) } == .invalidInput)
        try client.unlock(keyFileContents: SecretFile.read(path: keyPath, maximumBytes: 4096, requirePrivate: true))
        #expect(try client.status().unlocked)
    }

    @Test("wrong passphrases back off (1 s, 2 s, ...), are audited at the next unlock, and lock zeroes the keys")
    func unlockBackoffAndAudit() throws {
        let agent = try AgentHarness(unlocked: false)
        #expect(refusal { try agent.client.unlock(passphrase: secure("wrong passphrase")) } == .wrongCredential)
        #expect(refusal { try agent.client.unlock(passphrase: secure(vaultPassphrase)) } == .unlockBackoff,
                "even the right passphrase waits out the back-off")
        agent.agentClock.advance(seconds: 1.5)
        #expect(refusal { try agent.client.unlock(passphrase: secure("wrong again!")) } == .wrongCredential)
        agent.agentClock.advance(seconds: 1.5)
        #expect(refusal { try agent.client.unlock(passphrase: secure(vaultPassphrase)) } == .unlockBackoff, "2 s after the second failure")
        agent.agentClock.advance(seconds: 1)
        try agent.client.unlock(passphrase: secure(vaultPassphrase))
        #expect(agent.vault.isUnlocked)
        let events = try agent.vault.auditRecords().map(\.event)
        #expect(events.filter { $0 == "agent.unlock-failed" }.count == 2 && events.last == "agent.unlock")
        try agent.client.lock()
        #expect(!agent.vault.isUnlocked)
        let leaked = agent.logs.text.contains(vaultPassphrase)
        #expect(!leaked, "no passphrase in the agent's log")
    }

    @Test("only one Argon2id runs at a time: a second unlock meanwhile is told the agent is busy")
    func oneUnlockAtATime() throws {
        let agent = try AgentHarness(unlocked: false)
        let results = ResultsBox()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                results.append(refusal { try agent.client.unlock(passphrase: secure(vaultPassphrase)) })
                group.leave()
            }
        }
        group.wait()
        #expect(results.values.contains(nil), "one unlock succeeded")
        #expect(results.values.allSatisfy { $0 == nil || $0 == .busy })
    }

    @Test("garbage and oversized frames get an error reply and a closed connection; others are still served")
    func garbageAndOversizedFrames() throws {
        let agent = try AgentHarness()
        let bystander = try RawConnection(agent.socketPath)
        let garbage = try RawConnection(agent.socketPath)
        garbage.send([0, 0, 0, 8, 2, 0x42, 0, 0, 0, 5, 0xde, 0xad])
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
        trickler.send([0, 0])
        let start = ContinuousClock.now
        for _ in 0..<20 { _ = try agent.client.status() }
        #expect(ContinuousClock.now - start < .seconds(2), "other clients are served while the slow ones wait")
        #expect(trickler.readReply()?.failureCode == .timeout)
        #expect(trickler.isClosedByPeer())
        #expect(idler.readReply()?.failureCode == .timeout)
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    @Test("a client keeps its connection between requests, and reconnects once the agent closed it as idle")
    func persistentConnection() throws {
        let agent = try AgentHarness(maxConnections: 1, connectionIdleTimeout: .milliseconds(500))
        let first = AgentClient(socketPath: agent.socketPath), second = AgentClient(socketPath: agent.socketPath)
        for _ in 0..<50 { #expect(try first.status().unlocked) }
        #expect(refusal { _ = try second.status() } == .tooManyConnections,
                "the first client's one connection is still open, holding the only slot")
        Thread.sleep(forTimeInterval: 0.8)
        #expect(try second.status().unlocked, "the agent closed the idle connection")
        Thread.sleep(forTimeInterval: 0.8)
        #expect(try first.status().unlocked, "a request on a connection the agent closed is sent again on a new one")
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

    @Test("a peer the policy does not know is refused at connect, and the refusal is audited without secrets")
    func strangerRefused() throws {
        let stranger = PeerIdentity(uid: 4321, gid: 4321, pid: 99, executable: "/usr/bin/evil")
        let agent = try AgentHarness(peer: stranger)
        let connection = try RawConnection(agent.socketPath)
        connection.send(try frameBytes(.status, id: 3))
        #expect(connection.readReply()?.failureCode == .denied)
        #expect(agent.logs.text.contains("agent.deny") && agent.logs.text.contains("uid 4321"))
        let denial = try agent.vault.auditRecords().last
        #expect(denial?.event == "agent.deny" && denial?.actor.contains("uid 4321") == true, "the refusal is in the audit chain")
        #expect(try agent.vault.verifyAudit().isIntact)
    }

    @Test("a rule-bound peer may take login leases only for its account and protocol, and may not administer")
    func ruleBoundPeer() throws {
        let reader = PeerIdentity(uid: 4321, gid: 4321, pid: 99, executable: "/usr/local/bin/statements")
        let policy = AgentPolicy(rules: [.init(uid: 4321, executable: "/usr/local/bin/statements", accounts: ["work"], protocols: [.imap])])
        let agent = try AgentHarness(policy: policy, peer: reader)
        let client = RawAgent(path: agent.socketPath)
        #expect(try client.code(.grantLogin(account: "work", protocol: .imap, ttlSeconds: 0)) == nil)
        #expect(try client.code(.grantLogin(account: "work", protocol: .smtp, ttlSeconds: 0)) == .denied)
        #expect(try client.code(.grantLogin(account: "other", protocol: .imap, ttlSeconds: 0)) == .denied)
        #expect(try client.code(.lock) == .denied)
        #expect(try client.code(.listLeases(offset: 0)) == .denied)
        #expect(try client.code(.listAccounts(offset: 0)) == .denied)
        #expect(try client.code(.addToken(account: "work", client: "x", protocols: [.imap], expiresSeconds: 0)) == .denied)
        #expect(agent.vault.isUnlocked)
        #expect(try agent.vault.auditRecords().filter { $0.event == "agent.deny" }.count == 6)
        let foreign = try agent.vault.grantLoginLease(account: "work", for: .smtp, holder: "someone else").lease
        #expect(try client.code(.renew(leaseID: foreign.id, ttlSeconds: 0)) == .denied)
        #expect(try client.code(.revokeLease(leaseID: foreign.id)) == .denied)
        #expect(try client.code(.revokeLease(leaseID: "0011223344556677")) == .denied, "no probing for lease ids")
    }

    @Test("fetch --new's state is read and written through the agent, per account and mailbox, and audited")
    func fetchState() throws {
        let agent = try AgentHarness()
        #expect(try agent.client.fetchState(account: "work", mailbox: "INBOX") == nil)
        try agent.client.setFetchState(uidValidity: 1_700_000_000, lastUID: 41, account: "work", mailbox: "INBOX")
        let state = try #require(try agent.client.fetchState(account: "work", mailbox: "INBOX"))
        #expect(state.uidValidity == 1_700_000_000 && state.lastUID == 41)
        #expect(try agent.client.fetchState(account: "work", mailbox: "Archive") == nil, "per mailbox")
        #expect(try agent.client.fetchState(account: "other", mailbox: "INBOX") == nil, "per account")
        #expect(try agent.vault.fetchState(account: "work", mailbox: "INBOX") == state, "kept in the vault")
        #expect(try agent.vault.auditRecords().last?.event == "fetch.state")
        #expect(refusal { _ = try agent.client.fetchState(account: "nobody", mailbox: "INBOX") } == .noSuchAccount)
        try agent.client.lock()
        #expect(refusal { _ = try agent.client.fetchState(account: "work", mailbox: "INBOX") } == .locked)
    }

    @Test("a rule-bound peer reads and writes the fetch state only of accounts it may read over IMAP")
    func fetchStatePolicy() throws {
        let reader = PeerIdentity(uid: 4321, gid: 4321, pid: 99, executable: "/usr/local/bin/statements")
        let policy = AgentPolicy(rules: [
            .init(uid: 4321, executable: "/usr/local/bin/statements", accounts: ["work"], protocols: [.imap]),
            .init(uid: 4321, executable: "/usr/local/bin/statements", accounts: ["other"], protocols: [.smtp]),
        ])
        let agent = try AgentHarness(policy: policy, peer: reader)
        let client = RawAgent(path: agent.socketPath)
        #expect(try client.code(.getFetchState(account: "work", mailbox: "INBOX")) == nil)
        #expect(try client.code(.setFetchState(account: "work", mailbox: "INBOX", uidValidity: 1, lastUID: 2)) == nil)
        #expect(try client.code(.getFetchState(account: "other", mailbox: "INBOX")) == .denied, "SMTP only")
        #expect(try client.code(.setFetchState(account: "other", mailbox: "INBOX", uidValidity: 1, lastUID: 2)) == .denied)
        #expect(try agent.vault.fetchState(account: "other", mailbox: "INBOX") == nil)
    }

    @Test("an executable rule matches only an unchangeable file run without injected libraries")
    func executableTrust() throws {
        let rule = AgentPolicy.Rule(uid: 4321, executable: "/usr/local/bin/statements", accounts: ["work"])
        let policy = AgentPolicy(trustOwnUID: false, rules: [rule])
        let trusted = PeerIdentity(uid: 4321, gid: 4321, pid: 9, executable: "/usr/local/bin/statements", executableTrusted: true)
        let injected = PeerIdentity(uid: 4321, gid: 4321, pid: 9, executable: "/usr/local/bin/statements", executableTrusted: false)
        #expect(policy.allows(.use(request: "login", account: "work", protocol: .imap), peer: trusted, agentUID: 0))
        #expect(!policy.allows(.use(request: "login", account: "work", protocol: .imap), peer: injected, agentUID: 0))
    }

    @Test("the socket is created 0600 in a 0700 folder, or 0660 in 0710 for a group; a stale socket is replaced; a live agent is not",
          .enabled(if: getuid() == 0, "needs root to make a folder owned by another uid"))
    func socketSafety() throws {
        let agent = try AgentHarness()
        var info = stat()
        #expect(lstat(agent.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(lstat(agent.folder.file("run"), &info) == 0 && info.st_mode & 0o777 == 0o700)
        let second = try AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: agent.socketPath, hardenProcess: false), logger: agent.logs.logger())
        #expect(throws: AgentError.alreadyRunning(agent.socketPath)) { try second.start() }

        let folder = TemporaryFolder()
        let stalePath = folder.file("run/agent.sock")
        mkdir(folder.file("run"), 0o755)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stalePath.utf8)) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        let fresh = try AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: stalePath, hardenProcess: false, socketGroup: 65534), logger: agent.logs.logger())
        try fresh.start()
        #expect(lstat(folder.file("run"), &info) == 0 && info.st_mode & 0o777 == 0o710 && info.st_gid == 65534)
        #expect(lstat(stalePath, &info) == 0 && info.st_mode & 0o777 == 0o660 && info.st_gid == 65534)
        #expect(try AgentClient(socketPath: stalePath).status().pid == UInt32(getpid()))
        fresh.stop()
        fresh.wait()

        let foreign = folder.file("foreign")
        mkdir(foreign, 0o700)
        chown(foreign, 65534, 65534)
        let refused = try AgentServer(vault: agent.vault, configuration: AgentConfiguration(
            socketPath: foreign + "/agent.sock", hardenProcess: false), logger: agent.logs.logger())
        #expect(throws: AgentError.self) { try refused.start() }
    }
}

/// Collects values from several threads.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [AgentErrorCode?] = []
    func append(_ value: AgentErrorCode?) { lock.lock(); stored.append(value); lock.unlock() }
    var values: [AgentErrorCode?] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A vault not served by the harness's agent, for identity checks.
struct VaultFixtureForAgent {
    let folder = TemporaryFolder()
    let vault: Vault
    init() throws {
        vault = try Vault.create(at: folder.file("vault.db"), credential: .passphrase(secure(vaultPassphrase)), kdf: fastKDF)
    }
}

/// Sends one request per connection and reports its error code (for peers the client refuses to be).
struct RawAgent {
    let path: String
    func code(_ request: consuming AgentRequest) throws -> AgentErrorCode? {
        let connection = try RawConnection(path)
        connection.send(try frameBytes(request, id: 5))
        return try #require(connection.readReply()).failureCode
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}
