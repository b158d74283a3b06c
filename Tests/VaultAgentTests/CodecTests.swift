import Foundation
import Testing
import AppVault
@testable import VaultAgent
import VaultCrypto

private func sampleLease(id: String = "0123456789abcdef0123456789abcdef", holder: String = "uid 1000 pid 42 /usr/bin/appvault") throws -> Lease {
    Lease(id: id, account: "work", protocol: .smtp, kind: .session, generation: 3,
          endpoint: try ServerEndpoint(parsing: "smtp.example.com:587"), username: "me@example.com",
          grantedAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_000_060),
          maximumExpiresAt: Date(timeIntervalSince1970: 1_800_000_900), usesLeft: 2, holder: holder, client: "finance")
}

@discardableResult
private func decodeRequest(_ bytes: [UInt8]) throws(ProtocolError) -> RequestFrame {
    try RequestCodec.decode(frame: bytes)
}

private func roundTripResponse(_ response: consuming AgentResponse, id: UInt32 = 9) throws -> ResponseFrame {
    let encoded = try ResponseCodec.encode(ResponseFrame(id: id, response: response))
    let bytes = encoded.withBytes { Array($0) }
    return try ResponseCodec.decode(frame: bytes)
}

@Suite("Wire protocol codec")
struct CodecTests {
    @Test("every request survives an encode/decode round trip")
    func requestRoundTrips() throws {
        var frame = try decodeRequest(frameBytes(.status, id: 1))
        #expect(frame.id == 1 && frame.request.name == "status")
        frame = try decodeRequest(frameBytes(.unlock(secure("pass phrase")), id: 2))
        switch frame.request {
        case .unlock(let passphrase): #expect(string(passphrase) == "pass phrase")
        default: Issue.record("not an unlock")
        }
        frame = try decodeRequest(frameBytes(.unlockWithKeyFile(secure("key file bytes")), id: 2))
        switch frame.request {
        case .unlockWithKeyFile(let contents): #expect(string(contents) == "key file bytes")
        default: Issue.record("not a key-file unlock")
        }
        frame = try decodeRequest(frameBytes(.grantLogin(account: "work", protocol: .imap, ttlSeconds: 30), id: 3))
        switch frame.request {
        case .grantLogin(let account, let proto, let ttl): #expect(account == "work" && proto == .imap && ttl == 30)
        default: Issue.record("not a grant")
        }
        frame = try decodeRequest(frameBytes(.renew(leaseID: "abc", ttlSeconds: 0), id: 5))
        switch frame.request {
        case .renew(let id, let ttl): #expect(id == "abc" && ttl == 0)
        default: Issue.record("not a renew")
        }
        frame = try decodeRequest(frameBytes(.revokeLease(leaseID: "abc"), id: 6))
        #expect(frame.request.name == "revoke-lease")
        frame = try decodeRequest(frameBytes(.listLeases(offset: 17), id: UInt32.max))
        switch frame.request {
        case .listLeases(let offset): #expect(offset == 17 && frame.id == UInt32.max)
        default: Issue.record("not a list")
        }
        frame = try decodeRequest(frameBytes(.listAccounts(offset: 3), id: 8))
        switch frame.request {
        case .listAccounts(let offset): #expect(offset == 3)
        default: Issue.record("not an account list")
        }
        frame = try decodeRequest(frameBytes(.addToken(account: "work", client: "app ✓", protocols: [.imap, .smtp], expiresSeconds: 60), id: 9))
        switch frame.request {
        case .addToken(let account, let client, let protocols, let expires):
            #expect(account == "work" && client == "app ✓" && protocols == [.imap, .smtp] && expires == 60)
        default: Issue.record("not an add-token")
        }
        frame = try decodeRequest(frameBytes(.listTokens(offset: 1), id: 10))
        #expect(frame.request.name == "list-tokens")
        frame = try decodeRequest(frameBytes(.revokeToken(id: "0011"), id: 11))
        switch frame.request {
        case .revokeToken(let id): #expect(id == "0011")
        default: Issue.record("not a revoke-token")
        }
        frame = try decodeRequest(frameBytes(.lock, id: 8))
        #expect(frame.request.name == "lock")
        frame = try decodeRequest(frameBytes(.getFetchState(account: "work", mailbox: "Kontoauszüge/2026"), id: 12))
        switch frame.request {
        case .getFetchState(let account, let mailbox): #expect(account == "work" && mailbox == "Kontoauszüge/2026")
        default: Issue.record("not a get-fetch-state")
        }
        frame = try decodeRequest(frameBytes(.setFetchState(account: "work", mailbox: "INBOX", uidValidity: UInt32.max, lastUID: 42), id: 13))
        switch frame.request {
        case .setFetchState(let account, let mailbox, let validity, let uid):
            #expect(account == "work" && mailbox == "INBOX" && validity == UInt32.max && uid == 42 && frame.id == 13)
        default: Issue.record("not a set-fetch-state")
        }
    }

    @Test("the fetch-state requests and reply have the documented bytes")
    func fetchStateBytes() throws {
        // get-fetch-state: type 0x0F, str account "w", str mailbox "I".
        #expect(try frameBytes(.getFetchState(account: "w", mailbox: "I"), id: 1)
                == [0, 0, 0, 12, 2, 0x0F, 0, 0, 0, 1, 0, 1, 0x77, 0, 1, 0x49])
        // set-fetch-state: type 0x10, then u32 uidvalidity 5, u32 last uid 9.
        #expect(try frameBytes(.setFetchState(account: "w", mailbox: "I", uidValidity: 5, lastUID: 9), id: 1)
                == [0, 0, 0, 20, 2, 0x10, 0, 0, 0, 1, 0, 1, 0x77, 0, 1, 0x49, 0, 0, 0, 5, 0, 0, 0, 9])
        // fetch-state reply 0x8A: absent is one byte 0.
        let absent = try ResponseCodec.encode(ResponseFrame(id: 1, response: .fetchState(nil)))
        #expect(absent.withBytes { Array($0) } == [0, 0, 0, 7, 2, 0x8A, 0, 0, 0, 1, 0])
        let state = FetchState(uidValidity: 5, lastUID: 9, updatedAt: Date(timeIntervalSince1970: 1))
        let present = try ResponseCodec.encode(ResponseFrame(id: 1, response: .fetchState(state)))
        #expect(present.withBytes { Array($0) } == [0, 0, 0, 23, 2, 0x8A, 0, 0, 0, 1, 1, 0, 0, 0, 5, 0, 0, 0, 9,
                                                    0, 0, 0, 0, 0, 0, 0x03, 0xE8])
        var cut = Array(present.withBytes { Array($0) }.dropLast(8))
        cut[3] -= 8
        #expect(throws: ProtocolError.malformed("updated at runs past the end of the frame")) { _ = try ResponseCodec.decode(frame: cut) }
        var flag = absent.withBytes { Array($0) }
        flag[10] = 2
        #expect(throws: ProtocolError.self) { _ = try ResponseCodec.decode(frame: flag) }
    }

    @Test("every response survives an encode/decode round trip")
    func responseRoundTrips() throws {
        let lease = try sampleLease()
        let status = AgentStatus(unlocked: true, pid: 4242, idleLockSeconds: 900, vaultID: "00112233445566778899aabbccddeeff",
                                 liveSessions: 3, imapSocket: "/run/a/imap.sock", smtpSocket: "/run/a/smtp.sock")
        switch try roundTripResponse(.status(status)).response {
        case .status(let decoded): #expect(decoded == status)
        default: Issue.record("not a status")
        }
        #expect(try roundTripResponse(.done).response.failureCode == nil)
        switch try roundTripResponse(.lease(lease)).response {
        case .lease(let decoded): #expect(decoded == lease)
        default: Issue.record("not a lease")
        }
        switch try roundTripResponse(.leases(Page(total: 2, items: [lease, lease]))).response {
        case .leases(let page): #expect(page == Page(total: 2, items: [lease, lease]))
        default: Issue.record("not a page")
        }
        switch try roundTripResponse(.login(IssuedCredential(subject: lease, text: secure("avl-x")))).response {
        case .login(let issued): #expect(issued.subject == lease && string(issued.text) == "avl-x")
        default: Issue.record("not a login")
        }
        let record = AccountRecord(id: "00ff", name: "work", email: "me@example.com", provider: "custom",
                                   imap: try ServerEndpoint(parsing: "imap.example.com:993"),
                                   smtp: try ServerEndpoint(parsing: "smtp.example.com:587"),
                                   dailyDownloadLimitBytes: 10, dailyUploadLimitBytes: 5, status: .dead, generation: 4,
                                   fingerprint: "aaaa-bbbb-cccc", createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                                   rotatedAt: nil, revokedAt: nil, checkedAt: Date(timeIntervalSince1970: 1_800_000_100))
        let summary = AccountSummary(record: record, traffic: TrafficUsage(day: "2027-01-15", bytesIn: 7, bytesOut: 1, limitIn: 10, limitOut: 5))
        switch try roundTripResponse(.accounts(Page(total: 1, items: [summary]))).response {
        case .accounts(let page): #expect(page.items == [summary])
        default: Issue.record("not accounts")
        }
        let token = ClientToken(id: "0011223344556677", client: "finance", account: "work", protocols: [.smtp],
                                createdAt: Date(timeIntervalSince1970: 1_800_000_000), lastUsedAt: nil,
                                expiresAt: Date(timeIntervalSince1970: 1_900_000_000))
        switch try roundTripResponse(.token(IssuedCredential(subject: token, text: secure("avt-y")))).response {
        case .token(let issued): #expect(issued.subject == token && string(issued.text) == "avt-y")
        default: Issue.record("not a token")
        }
        switch try roundTripResponse(.tokens(Page(total: 1, items: [token]))).response {
        case .tokens(let page): #expect(page.items == [token])
        default: Issue.record("not tokens")
        }
        switch try roundTripResponse(.fetchState(nil)).response {
        case .fetchState(let state): #expect(state == nil)
        default: Issue.record("not a fetch state")
        }
        let state = FetchState(uidValidity: 1_700_000_000, lastUID: 4_000_000_000, updatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        switch try roundTripResponse(.fetchState(state)).response {
        case .fetchState(let decoded): #expect(decoded == state)
        default: Issue.record("not a fetch state")
        }
        let failure = AgentFailure(code: .leaseUsedUp, message: "lease x has no uses left")
        let reply = try roundTripResponse(.failure(failure), id: 0)
        #expect(reply.id == 0 && reply.response.failureCode == .leaseUsedUp)
    }

    @Test("a lease page larger than one frame is cut to what fits, and says how many there are")
    func leasePageIsCutToFrame() throws {
        let lease = try sampleLease(holder: String(repeating: "h", count: 1000))
        let many = Array(repeating: lease, count: 200)
        switch try roundTripResponse(.leases(Page(total: 200, items: many))).response {
        case .leases(let page):
            #expect(page.total == 200)
            #expect(page.items.count > 10 && page.items.count < 200)
        default: Issue.record("not a page")
        }
    }

    @Test("the example bytes in docs/agent-protocol.md are what the codec produces")
    func documentedExample() throws {
        #expect(try frameBytes(.status, id: 7) == [0, 0, 0, 6, 2, 1, 0, 0, 0, 7])
        let status = AgentStatus(unlocked: true, pid: 4242, idleLockSeconds: 900, vaultID: "ab", liveSessions: 1,
                                 imapSocket: "", smtpSocket: "")
        let reply = try ResponseCodec.encode(ResponseFrame(id: 7, response: .status(status)))
        #expect(reply.withBytes { Array($0) } == [0, 0, 0, 0x1b, 2, 0x81, 0, 0, 0, 7, 1, 0, 0, 0x10, 0x92, 0, 0, 3, 0x84,
                                                  0, 2, 0x61, 0x62, 0, 0, 0, 1, 0, 0, 0, 0])
    }

    @Test("every vault error has a wire code, and the client maps it back to the same exit status")
    func errorCodesCoverTheVault() throws {
        let samples: [VaultError] = [
            .wrongCredential, .noSuchAccount("a"), .accountExists("a"), .accountRevoked("a"), .invalidInput("x"),
            .tampered("x"), .unsupportedFormat(found: 1, supported: 2), .insecurePermissions(path: "/p", mode: 0o644),
            .vaultNotFound("/p"), .vaultExists("/p"), .busy, .locked, .leaseExpired("l"), .leaseUsedUp("l"),
            .leaseRevoked("l"), .leaseStale("l"), .leaseWrongProtocol(lease: "l", granted: .imap, requested: .smtp),
            .noSuchLease("l"), .leaseLimitReached("x"), .leaseRenewalLimit("l"), .trafficLimit(account: "a", direction: "download", usedBytes: 1, limitBytes: 2),
            .credentialRejected("x"), .tokenExpired("t"), .noSuchToken("t"), .tooManySessions(account: "a", limit: 10),
            .accountDead("a"), .storeUnreachable("x"), .io("x"), .storage("x"), .crypto("x"),
        ]
        for error in samples {
            let code = AgentErrorCode(error)
            #expect(code.rawValue >= 100)
            #expect(code.exitStatus == error.exitStatus, "\(error)")
        }
        #expect(Set(samples.map { AgentErrorCode($0) }).count == samples.count, "one code per case")
    }

    @Test("malformed frames are refused with a precise error")
    func malformedFrames() throws {
        let valid = try frameBytes(.grantLogin(account: "work", protocol: .imap, ttlSeconds: 30))
        #expect(throws: ProtocolError.malformed("frame is 3 bytes, shorter than its length prefix")) { _ = try decodeRequest([0, 0, 0]) }
        #expect(throws: ProtocolError.frameTooLarge(announced: 65_537)) { _ = try decodeRequest([0, 1, 0, 1] + [UInt8](repeating: 0, count: 8)) }
        #expect(throws: ProtocolError.malformed("body of 2 bytes is shorter than the 6-byte header")) { _ = try decodeRequest([0, 0, 0, 2, 2, 1]) }
        #expect(throws: ProtocolError.unsupportedVersion(1)) { _ = try decodeRequest([0, 0, 0, 6, 1, 1, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.unknownMessageType(0x42)) { _ = try decodeRequest([0, 0, 0, 6, 2, 0x42, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.unknownMessageType(0x05)) { _ = try decodeRequest([0, 0, 0, 6, 2, 0x05, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.unknownMessageType(0x81)) { _ = try decodeRequest([0, 0, 0, 6, 2, 0x81, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.self) { _ = try decodeRequest(Array(valid.dropLast())) }
        var cut = Array(valid.dropLast(3))
        cut[3] -= 3
        #expect(throws: ProtocolError.malformed("ttl runs past the end of the frame")) { _ = try decodeRequest(cut) }
        var longer = valid + [0]
        longer[3] += 1
        #expect(throws: ProtocolError.malformed("bytes left over after a grant-login request")) { _ = try decodeRequest(longer) }
        var badProtocol = valid
        badProtocol[4 + 6 + 2 + 4] = 9
        #expect(throws: ProtocolError.malformed("protocol is 9, not 1 (IMAP) or 2 (SMTP)")) { _ = try decodeRequest(badProtocol) }
        var badText = valid
        badText[4 + 6 + 2] = 0xFF
        #expect(throws: ProtocolError.malformed("account is not valid UTF-8")) { _ = try decodeRequest(badText) }
    }

    @Test("the decoder never traps on random or mutated input")
    func decoderSurvivesGarbage() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = try [
            frameBytes(.status), frameBytes(.unlock(secure("pw"))),
            frameBytes(.grantLogin(account: "work", protocol: .imap, ttlSeconds: 30)),
            frameBytes(.addToken(account: "work", client: "c", protocols: [.imap], expiresSeconds: 0)), frameBytes(.listLeases(offset: 0)),
            frameBytes(.getFetchState(account: "work", mailbox: "INBOX")),
            frameBytes(.setFetchState(account: "work", mailbox: "INBOX", uidValidity: 1, lastUID: 2)),
        ]
        var decoded = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = seeds[round % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            if (try? decodeRequest(bytes)) != nil { decoded += 1 }
            _ = try? ResponseCodec.decode(frame: bytes)
        }
        #expect(decoded < 20_000)
    }

    @Test("the encoder refuses fields the decoder would refuse")
    func encoderRefusesOversizedFields() throws {
        #expect(throws: ProtocolError.self) {
            _ = try RequestCodec.encode(RequestFrame(id: 1, request: .grantLogin(
                account: String(repeating: "a", count: WireFormat.maxStringBytes + 1), protocol: .imap, ttlSeconds: 1)))
        }
        #expect(throws: ProtocolError.self) {
            _ = try RequestCodec.encode(RequestFrame(id: 1, request: .unlock(
                SecureBytes(zeroedCount: WireFormat.maxSecretBytes + 1))))
        }
    }

    @Test("a wire buffer is zeroed when reset")
    func wireBufferIsWiped() throws {
        var buffer = WireBuffer(capacity: 16)
        Array("secret".utf8).withUnsafeBytes { buffer.append($0) }
        buffer.reset()
        #expect(buffer.count == 0)
        try buffer.fill { (tail) throws(ProtocolError) -> Int in
            #expect(tail.prefix(6).allSatisfy { $0 == 0 })
            return 0
        }
    }
}
