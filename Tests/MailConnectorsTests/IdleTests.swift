import AppVault
import Foundation
import TestSupport
import Testing
@testable import MailConnectors

/// IDLE against Dovecot, on an account only these tests use (kicking it must not hit others).
@Suite("IDLE: new mail, cancelling, re-issuing, an upstream drop", .serialized)
struct IdleTests {
    @Test("a message sent over SMTP during IDLE wakes it, and the session goes on")
    func newMail() throws {
        let account = MailFixtures.idleAccount
        let client = try MailFixtures.session(account, timeout: .seconds(30))
        defer { try? client.logout() }
        let before = try client.examine("INBOX").messageCount
        let token = "idle" + UUID().uuidString.prefix(8).lowercased()
        let sender = Thread {
            Thread.sleep(forTimeInterval: 1)
            try? deliver(try! MailMessage(from: account.user, to: [account.user], subject: "arrived \(token)", body: "x"), as: account)
        }
        sender.start()
        let start = ContinuousClock.now
        let outcome = try client.idle(timeout: .seconds(30))
        #expect(outcome == .newMail(messageCount: before + 1))
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(try client.search(SearchCriteria(subject: token)).count == 1)
    }

    @Test("a cancellation flag stops IDLE within a quarter second or so, DONE is sent, and the session logs out cleanly")
    func cancel() throws {
        let logs = LogCapture()
        let client = try MailFixtures.session(MailFixtures.idleAccount, logs: logs, timeout: .seconds(30))
        try client.examine("INBOX")
        let flag = CancellationFlag()
        let setter = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            flag.set()
        }
        setter.start()
        let start = ContinuousClock.now
        #expect(try client.idle(timeout: .seconds(30), shouldStop: { flag.isSet }) == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(try client.noop() != nil)
        try client.logout()
        #expect(logs.text.contains("C: DONE") && logs.text.contains("LOGOUT"))
    }

    @Test("IDLE is re-issued after the refresh interval and ends on its time-out")
    func refresh() throws {
        let logs = LogCapture()
        let client = try MailFixtures.session(MailFixtures.idleAccount, logs: logs, timeout: .seconds(30))
        defer { try? client.logout() }
        try client.examine("INBOX")
        #expect(try client.idle(timeout: .milliseconds(2600), refresh: .seconds(1)) == .timedOut)
        let issued = logs.text.split(separator: "\n").filter { $0.contains("C: A") && $0.contains(" IDLE") }.count
        #expect(issued >= 3, "IDLE sent \(issued) times")
    }

    @Test("the server dropping the session during IDLE ends it with a clear error, not a hang")
    func upstreamDrop() throws {
        let client = try MailFixtures.session(MailFixtures.idleAccount, timeout: .seconds(30))
        try client.examine("INBOX")
        let kicker = Thread {
            Thread.sleep(forTimeInterval: 1)
            _ = try? MailTestServers.kick(user: MailFixtures.idleAccount.user)
        }
        kicker.start()
        let start = ContinuousClock.now
        #expect {
            _ = try client.idle(timeout: .seconds(30))
        } throws: { error in
            switch error as? ConnectorError {
            case .serverClosedSession?, .connectionClosed?: true
            default: false
            }
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(client.isClosed)
        #expect(throws: ConnectorError.self) { try client.noop() }
    }
}
