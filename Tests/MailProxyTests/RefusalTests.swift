import Foundation
import MailProxy
import Testing
import TestSupport

/// Each refusal reaches the client as one IMAP response code and one SMTP reply (the table in
/// docs/proxy.md), wrong credentials cost only the client that sent them, and a peer that keeps
/// failing is slowed down.
@Suite("Refusals, failure delay and rate limiting")
struct RefusalTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let refusal: SessionRefusal
        let imap: String
        let smtp: String
        var testDescription: String { "\(refusal)" }
    }

    static let table: [Case] = [
        Case(refusal: .invalidCredential, imap: "NO [AUTHENTICATIONFAILED] Invalid credentials",
             smtp: "535 5.7.8 Invalid credentials"),
        Case(refusal: .expired("lease spent"), imap: "NO [EXPIRED] Credential expired: lease spent",
             smtp: "535 5.7.8 Credential expired: lease spent"),
        Case(refusal: .locked, imap: "NO [UNAVAILABLE] The vault is locked; run appvault unlock",
             smtp: "454 4.7.0 The vault is locked; run appvault unlock"),
        Case(refusal: .denied("policy forbids smtp"), imap: "NO [AUTHORIZATIONFAILED] Not allowed: policy forbids smtp",
             smtp: "535 5.7.1 Not allowed: policy forbids smtp"),
        Case(refusal: .trafficLimit("2500 MB"), imap: "NO [OVERQUOTA] Daily traffic limit reached: 2500 MB",
             smtp: "454 4.7.0 Daily traffic limit reached: 2500 MB"),
        Case(refusal: .tooManySessions(limit: 10), imap: "NO [LIMIT] Too many sessions for this account (limit 10)",
             smtp: "454 4.7.0 Too many sessions for this account (limit 10)"),
        Case(refusal: .rateLimited(retryAfterSeconds: 30), imap: "NO [LIMIT] Too many failed logins; try again in 30 s",
             smtp: "454 4.7.0 Too many failed logins; try again in 30 s"),
        Case(refusal: .accountUnavailable("revoked"), imap: "NO [CONTACTADMIN] Account unavailable: revoked",
             smtp: "535 5.7.0 Account unavailable: revoked"),
        Case(refusal: .unavailable("store unreachable"), imap: "NO [UNAVAILABLE] Temporarily unavailable: store unreachable",
             smtp: "454 4.7.0 Temporarily unavailable: store unreachable"),
    ]

    @Test("IMAP: each refusal is one NO with its response code", arguments: table)
    func imap(entry: Case) throws {
        let authority = try ProxyTestServers.authority()
        authority.force(entry.refusal)
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture())
        let client = try LineClient(port: harness.port)
        let reader = ProxyTestServers.reader
        #expect(client.imapLogin(account: reader.account, token: reader.token) == "a \(entry.imap)")
        client.send("b NOOP\r\n")
        #expect(client.readLine() == "b OK NOOP completed")  // the connection stays usable
        #expect(!authority.events.contains(.upstreamLoggedIn))
    }

    @Test("SMTP: each refusal is one reply with its enhanced status code", arguments: table)
    func smtp(entry: Case) throws {
        let authority = try ProxyTestServers.authority()
        authority.force(entry.refusal)
        let harness = try ProxyHarness(protocol: .smtp, authority: authority, logs: LogCapture())
        let client = try LineClient(port: harness.port)
        let sender = ProxyTestServers.sender
        #expect(client.smtpLogin(account: sender.account, token: sender.token) == entry.smtp)
        client.send("MAIL FROM:<\(sender.user)>\r\n")
        #expect(client.readLine() == "530 5.7.0 Authentication required")
    }

    @Test("an authority's text cannot inject protocol lines")
    func noInjection() throws {
        let authority = try ProxyTestServers.authority()
        authority.force(.denied("nope\r\n* OK [CAPABILITY IMAP4rev1] injected\r\na OK"))
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture())
        let client = try LineClient(port: harness.port)
        let reader = ProxyTestServers.reader
        #expect(client.imapLogin(account: reader.account, token: reader.token)
                == "a NO [AUTHORIZATIONFAILED] Not allowed: nope??* OK [CAPABILITY IMAP4rev1] injected??a OK")
    }

    @Test("a wrong token is delayed, the third closes the connection, and the account is untouched")
    func wrongToken() throws {
        let authority = try ProxyTestServers.authority()
        let logs = LogCapture()
        let harness = try ProxyHarness(protocol: .imap, authority: authority,
                                       configuration: ProxyHarness.configuration(failureDelay: .milliseconds(300)), logs: logs)
        let client = try LineClient(port: harness.port)
        let reader = ProxyTestServers.reader
        let start = ContinuousClock.now
        #expect(client.imapLogin(account: reader.account, token: "avt-guess-1") == "a NO [AUTHENTICATIONFAILED] Invalid credentials")
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        // Another account's token, or this token for another account, is just as wrong.
        client.send("b LOGIN \(reader.account) \(ProxyTestServers.idler.token)\r\n")
        #expect(client.readLine() == "b NO [AUTHENTICATIONFAILED] Invalid credentials")
        client.send("c LOGIN ivy \(reader.token)\r\n")
        #expect(client.readLine() == "c NO [AUTHENTICATIONFAILED] Invalid credentials")
        #expect(client.readLine() == "* BYE Too many failed logins")
        #expect(client.closedByPeer(within: .seconds(2)))
        #expect(authority.events.isEmpty)  // nothing opened, nothing upstream
        // The right token still works: nothing was locked or deleted.
        let again = try LineClient(port: harness.port)
        #expect(again.imapLogin(account: reader.account, token: reader.token)?.hasPrefix("a OK [CAPABILITY IMAP4REV1") == true)
        again.send("z LOGOUT\r\n")
        _ = again.readUntil("z OK")
        #expect(!logs.text.contains("avt-guess-1") && !logs.text.contains(reader.token))
    }

    @Test("an expired token gets [EXPIRED]")
    func expired() throws {
        try ProxyTestServers.prepare()
        var account = try ProxyTestServers.account(ProxyTestServers.reader)
        account.expired = true
        let harness = try ProxyHarness(protocol: .imap, authority: FakeAuthority([account]), logs: LogCapture())
        let client = try LineClient(port: harness.port)
        #expect(client.imapLogin(account: account.name, token: account.token) == "a NO [EXPIRED] Credential expired: the token expired")
    }

    @Test("a peer that keeps failing is refused for a back-off; other peers are not")
    func rateLimit() throws {
        let authority = try ProxyTestServers.authority()
        let policy = RateLimitPolicy(allowedFailures: 2, firstBackOff: .seconds(2), maxBackOff: .seconds(8))
        let configuration = ProxyHarness.configuration(failureDelay: .zero, rateLimit: policy)
        let harness = try ProxyHarness(protocol: .smtp, authority: authority, configuration: configuration, logs: LogCapture())
        let sender = ProxyTestServers.sender
        let client = try LineClient(port: harness.port)
        #expect(client.smtpLogin(account: sender.account, token: "avt-wrong") == "535 5.7.8 Invalid credentials")
        for _ in 0..<2 {
            client.send("AUTH PLAIN \(Data("\0\(sender.account)\0avt-wrong".utf8).base64EncodedString())\r\n")
            _ = client.readLine()
        }
        // The right token from the same peer now waits out the back-off...
        let blocked = try LineClient(port: harness.port)
        #expect(blocked.smtpLogin(account: sender.account, token: sender.token) == "454 4.7.0 Too many failed logins; try again in 2 s")
        #expect(authority.events.contains(.refused(.rateLimited(retryAfterSeconds: 2))))
        // ...while another peer, on the same proxy and account, logs in.
        let other = try ProxyHarness(protocol: .smtp, authority: authority, configuration: configuration, logs: LogCapture())
        let fine = try LineClient(port: other.port)
        #expect(fine.smtpLogin(account: sender.account, token: sender.token)?.hasPrefix("235 ") == true)
        Thread.sleep(forTimeInterval: 2.1)
        let later = try LineClient(port: harness.port)
        #expect(later.smtpLogin(account: sender.account, token: sender.token)?.hasPrefix("235 ") == true)
    }
}
