import Foundation
import Testing
import AppVault
@testable import VaultAgent
import VaultCrypto

private func sampleLease(id: String = "0123456789abcdef0123456789abcdef", holder: String = "uid 1000 pid 42 /usr/bin/appvault") throws -> Lease {
    Lease(id: id, account: "work", protocol: .smtp, generation: 3,
          endpoint: try ServerEndpoint(parsing: "smtp.example.com:587"), username: "me@example.com",
          grantedAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_000_060),
          maximumExpiresAt: Date(timeIntervalSince1970: 1_800_000_900), usesLeft: 2, holder: holder)
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
        let lease = try sampleLease()
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
        frame = try decodeRequest(frameBytes(.lease(account: "work", protocol: .imap, ttlSeconds: 30, uses: 2), id: 3))
        switch frame.request {
        case .lease(let account, let proto, let ttl, let uses):
            #expect(account == "work" && proto == .imap && ttl == 30 && uses == 2)
        default: Issue.record("not a lease")
        }
        frame = try decodeRequest(frameBytes(.redeem(lease: lease, protocol: .smtp), id: 4))
        switch frame.request {
        case .redeem(let decoded, let proto): #expect(decoded == lease && proto == .smtp)
        default: Issue.record("not a redeem")
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
        frame = try decodeRequest(frameBytes(.lock, id: 8))
        #expect(frame.request.name == "lock")
    }

    @Test("every response survives an encode/decode round trip")
    func responseRoundTrips() throws {
        let lease = try sampleLease()
        let status = AgentStatus(unlocked: true, pid: 4242, idleLockSeconds: 900)
        switch try roundTripResponse(.status(status)).response {
        case .status(let decoded): #expect(decoded == status)
        default: Issue.record("not a status")
        }
        #expect(try roundTripResponse(.done).response.failureCode == nil)
        switch try roundTripResponse(.lease(lease)).response {
        case .lease(let decoded): #expect(decoded == lease)
        default: Issue.record("not a lease")
        }
        switch try roundTripResponse(.leases(LeasePage(total: 2, leases: [lease, lease]))).response {
        case .leases(let page): #expect(page == LeasePage(total: 2, leases: [lease, lease]))
        default: Issue.record("not a page")
        }
        switch try roundTripResponse(.secret(secure("s3cret"))).response {
        case .secret(let secret): #expect(string(secret) == "s3cret")
        default: Issue.record("not a secret")
        }
        let failure = AgentFailure(code: .leaseUsedUp, message: "lease x has no uses left")
        let reply = try roundTripResponse(.failure(failure), id: 0)
        #expect(reply.id == 0 && reply.response.failureCode == .leaseUsedUp)
    }

    @Test("a lease page larger than one frame is cut to what fits, and says how many there are")
    func leasePageIsCutToFrame() throws {
        let lease = try sampleLease(holder: String(repeating: "h", count: 1000))
        let many = Array(repeating: lease, count: 200)
        switch try roundTripResponse(.leases(LeasePage(total: 200, leases: many))).response {
        case .leases(let page):
            #expect(page.total == 200)
            #expect(page.leases.count > 10 && page.leases.count < 200)
        default: Issue.record("not a page")
        }
    }

    @Test("the example bytes in docs/agent-protocol.md are what the codec produces")
    func documentedExample() throws {
        #expect(try frameBytes(.status, id: 7) == [0, 0, 0, 6, 1, 1, 0, 0, 0, 7])
        let reply = try ResponseCodec.encode(ResponseFrame(id: 7, response: .status(AgentStatus(unlocked: true, pid: 4242, idleLockSeconds: 900))))
        #expect(reply.withBytes { Array($0) } == [0, 0, 0, 0x0f, 1, 0x81, 0, 0, 0, 7, 1, 0, 0, 0x10, 0x92, 0, 0, 3, 0x84])
    }

    @Test("malformed frames are refused with a precise error")
    func malformedFrames() throws {
        let valid = try frameBytes(.lease(account: "work", protocol: .imap, ttlSeconds: 30, uses: 1))
        #expect(throws: ProtocolError.malformed("frame is 3 bytes, shorter than its length prefix")) { try decodeRequest([0, 0, 0]) }
        #expect(throws: ProtocolError.frameTooLarge(announced: 65_537)) { try decodeRequest([0, 1, 0, 1] + [UInt8](repeating: 0, count: 8)) }
        #expect(throws: ProtocolError.malformed("body of 2 bytes is shorter than the 6-byte header")) { try decodeRequest([0, 0, 0, 2, 1, 1]) }
        #expect(throws: ProtocolError.unsupportedVersion(2)) { try decodeRequest([0, 0, 0, 6, 2, 1, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.unknownMessageType(0x42)) { try decodeRequest([0, 0, 0, 6, 1, 0x42, 0, 0, 0, 1]) }
        #expect(throws: ProtocolError.unknownMessageType(0x81)) { try decodeRequest([0, 0, 0, 6, 1, 0x81, 0, 0, 0, 1]) }
        // Length prefix that disagrees with the bytes present.
        #expect(throws: ProtocolError.self) { try decodeRequest(Array(valid.dropLast())) }
        // A body cut short inside a field, with a prefix that matches.
        var cut = Array(valid.dropLast(3))
        cut[3] -= 3
        #expect(throws: ProtocolError.malformed("uses runs past the end of the frame")) { try decodeRequest(cut) }
        // Bytes left over.
        var longer = valid + [0]
        longer[3] += 1
        #expect(throws: ProtocolError.malformed("bytes left over after a lease request")) { try decodeRequest(longer) }
        // A protocol byte that is neither IMAP nor SMTP.
        var badProtocol = valid
        badProtocol[4 + 6 + 2 + 4] = 9
        #expect(throws: ProtocolError.malformed("protocol is 9, not 1 (IMAP) or 2 (SMTP)")) { try decodeRequest(badProtocol) }
        // Invalid UTF-8 in the account name.
        var badText = valid
        badText[4 + 6 + 2] = 0xFF
        #expect(throws: ProtocolError.malformed("account is not valid UTF-8")) { try decodeRequest(badText) }
    }

    @Test("the decoder never traps on random or mutated input")
    func decoderSurvivesGarbage() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = try [
            frameBytes(.status), frameBytes(.unlock(secure("pw"))),
            frameBytes(.lease(account: "work", protocol: .imap, ttlSeconds: 30, uses: 1)),
            frameBytes(.redeem(lease: sampleLease(), protocol: .imap)), frameBytes(.listLeases(offset: 0)),
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
            _ = try RequestCodec.encode(RequestFrame(id: 1, request: .lease(
                account: String(repeating: "a", count: WireFormat.maxStringBytes + 1), protocol: .imap, ttlSeconds: 1, uses: 1)))
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
