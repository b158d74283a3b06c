import AppVault
import TestSupport
import Foundation
import Synchronization
import Testing
import VaultCrypto
@testable import MailConnectors

/// The real mail servers of scripts/testservers, found through `APPVAULT_TEST_SERVERS` or, when
/// that is not set, started here with `scripts/testservers/start.sh` (idempotent).
enum TestServers {
    static let alice = TestAccount(user: "alice@example.test", password: "alice app password 1")
    static let bob = TestAccount(user: "bob@example.test", password: "bob-app-password-2")
    /// 8-bit password: LOGIN must send it as a literal.
    static let dave = TestAccount(user: "dave@example.test", password: "Grüße \"dave\" \\ ✓")
    /// Quotes and backslashes: LOGIN must escape them.
    static let erin = TestAccount(user: "erin@example.test", password: "erin \"quoted\" \\back\\slash")

    /// The state folder (ca.pem, passwd, logs), or a failure explaining how to start the servers.
    static func directory() throws -> String { try MailTestServers.directory() }

    /// Options trusting the test CA, with short time-outs.
    static func options(timeout: Duration = .seconds(5), budget: (any TrafficBudget)? = nil) throws -> ConnectionOptions {
        ConnectionOptions(caFile: try directory() + "/ca.pem", connectTimeout: timeout, ioTimeout: timeout,
                          trafficBudget: budget)
    }

    /// A lease for `user` on localhost:`port`.
    static func lease(_ proto: MailProtocol, port: Int, security: TransportSecurity, user: String,
                      host: String = "localhost") throws -> Lease {
        let now = Date()
        return Lease(id: "test-\(UUID().uuidString.prefix(8))", account: "test-\(user)", protocol: proto, generation: 1,
                     endpoint: try ServerEndpoint(host: host, port: port, security: security), username: user,
                     grantedAt: now, expiresAt: now + 60, maximumExpiresAt: now + 60, usesLeft: 1, holder: "in-process")
    }

    /// Replaces `user`'s password in the servers' passwd-file (locked, atomic).
    static func setPassword(user: String, to password: String) throws {
        try MailTestServers.setPassword(user: user, to: password)
    }
}

/// A test user in the servers' passwd-file. Test output shows only the user name.
struct TestAccount: Sendable, CustomTestStringConvertible {
    let user: String
    let password: String

    var testDescription: String { user }
}

/// An in-process stand-in for the vault: hands out one fixed password for any lease.
struct FixedPasswordRedeemer: LeaseRedeemer, CustomStringConvertible {
    let password: String

    var description: String { "FixedPasswordRedeemer(<redacted>)" }

    func redeem<Result>(_ lease: Lease, for protocol: MailProtocol,
                        _ body: (borrowing SecureBytes) throws -> Result) throws -> Result {
        guard lease.protocol == `protocol` else {
            throw VaultError.leaseWrongProtocol(lease: lease.id, granted: lease.protocol, requested: `protocol`)
        }
        var bytes = Array(password.utf8)
        defer { Memory.wipe(&bytes) }
        let secret = try SecureBytes(copying: bytes)
        return try body(secret)
    }
}

/// A traffic budget that records what it is told and can refuse everything.
final class RecordingBudget: TrafficBudget {
    let refuse: Bool
    private let recorded = Mutex<[TrafficDirection: Int64]>([:])

    init(refuse: Bool = false) { self.refuse = refuse }

    func ensureAllowance(account: String, direction: TrafficDirection, bytes: Int64) throws {
        if refuse {
            throw VaultError.trafficLimit(account: account, direction: direction.rawValue, usedBytes: 1, limitBytes: 1)
        }
    }

    func record(account: String, direction: TrafficDirection, bytes: Int64) throws {
        recorded.withLock { $0[direction, default: 0] += bytes }
    }

    func total(_ direction: TrafficDirection) -> Int64 { recorded.withLock { $0[direction] ?? 0 } }
}
