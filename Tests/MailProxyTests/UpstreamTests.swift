import AppVault
import Foundation
import MailProxy
import Synchronization
import Testing
import TestSupport

/// The real upstream connector against scripted servers speaking Gmail's replies: a dead password
/// is told from a temporary refusal, the session is transparent after login, and a server that
/// drops or stalls never hangs the client or corrupts its stream.
@Suite("Upstream: provider refusals, transparency, drops and kills")
struct UpstreamTests {
    /// A proxy whose `pia` account lives on `server`.
    private func harness(_ proto: MailProtocol, server: FakeMailServer, authority: inout FakeAuthority?,
                         configuration: ProxyConfiguration = ProxyHarness.configuration()) throws -> ProxyHarness {
        try ProxyTestServers.prepare()
        var account = try ProxyTestServers.account(ProxyTestServers.reader)
        account.imap = try server.endpoint()
        account.smtp = try server.endpoint()
        let fake = FakeAuthority([account])
        authority = fake
        return try ProxyHarness(protocol: proto, authority: fake, configuration: configuration, logs: LogCapture())
    }

    private let reader = ProxyTestServers.reader

    @Test("Gmail IMAP refusals: a rejected password is CONTACTADMIN and marks the account; throttling is UNAVAILABLE", arguments: [
        ("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", "a NO [CONTACTADMIN] Account unavailable: the mail provider rejected the stored app password; rotate it", true),
        ("NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)", "a NO [CONTACTADMIN] Account unavailable: the mail provider rejected the stored app password; rotate it", true),
        ("NO [ALERT] Too many simultaneous connections. (Failure)", "a NO [UNAVAILABLE] Temporarily unavailable: the mail server refused for now ([ALERT] Too many simultaneous connections. (Failure))", false),
        ("NO [UNAVAILABLE] Temporary System Error", "a NO [UNAVAILABLE] Temporarily unavailable: the mail server refused for now ([UNAVAILABLE] Temporary System Error)", false),
    ])
    func imapRefusals(serverReply: String, clientReply: String, dead: Bool) throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: { "\($0) \(serverReply)\r\n" }))
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        #expect(client.imapLogin(account: reader.account, token: reader.token) == clientReply)
        let events = try #require(authority).events
        let failure = events.compactMap { if case .upstreamLoginFailed(let failure) = $0 { failure } else { nil } }
        #expect(failure.count == 1)
        if case .passwordRejected = failure.first { #expect(dead) } else { #expect(!dead) }
        #expect(events.last == .ended(reason: "upstream login failed"))
    }

    @Test("Gmail SMTP refusals: 535 5.7.8 marks the account, 454 4.7.0 does not", arguments: [
        ("535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm2 - gsmtp\r\n", "535 5.7.0 Account unavailable: the mail provider rejected the stored app password; rotate it", true),
        ("534-5.7.9 Application-specific password required. Learn more at\r\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a1sm2 - gsmtp\r\n", "535 5.7.0 Account unavailable: the mail provider rejected the stored app password; rotate it", true),
        ("454 4.7.0 Too many login attempts, please try again later. Learn more at https://support.google.com/mail/answer/7126229 a1sm2 - gsmtp\r\n", "454 4.7.0 Temporarily unavailable: the mail server refused for now (454 4.7.0 Too many login attempts, please try again later. Learn more at https://support.google.com/mail/answer/7126229 a1sm2 - gsmtp)", false),
    ])
    func smtpRefusals(serverReply: String, clientReply: String, dead: Bool) throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailSMTP(authReply: serverReply))
        var authority: FakeAuthority?
        let harness = try harness(.smtp, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        #expect(client.smtpLogin(account: reader.account, token: reader.token) == clientReply)
        let failure = try #require(authority).events.compactMap { if case .upstreamLoginFailed(let f) = $0 { f } else { nil } }
        if case .passwordRejected = failure.first { #expect(dead) } else { #expect(!dead && failure.count == 1) }
    }

    @Test("an unreachable server is UNAVAILABLE and does not mark the account")
    func unreachable() throws {
        try ProxyTestServers.prepare()
        var account = try ProxyTestServers.account(ProxyTestServers.reader)
        account.imap = try ServerEndpoint(host: "127.0.0.1", port: try MailTestServers.port(10902), security: .tls)  // garbage
        let authority = FakeAuthority([account])
        let harness = try ProxyHarness(protocol: .imap, authority: authority, logs: LogCapture())
        let client = try LineClient(port: harness.port)
        let reply = try #require(client.imapLogin(account: account.name, token: account.token))
        #expect(reply.hasPrefix("a NO [UNAVAILABLE] Temporarily unavailable: cannot reach the mail server"))
        #expect(authority.events.contains { if case .upstreamLoginFailed(.unreachable) = $0 { true } else { false } })
    }

    @Test("after login the client sees Gmail's capabilities (without COMPRESS) and X-GM-* passes through untouched")
    func transparency() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            guard let line = connection.readLine(), line.hasPrefix("b UID FETCH") else { return }
            connection.send("* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 1)\r\nb OK Success\r\n")
            connection.waitForClose()
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        let reply = try #require(client.imapLogin(account: reader.account, token: reader.token))
        #expect(reply.hasPrefix("a OK [CAPABILITY IMAP4REV1 "))
        #expect(reply.contains(" X-GM-EXT-1") && reply.contains(" APPENDLIMIT=35651584 ") && !reply.contains("COMPRESS"))
        client.send("b UID FETCH 1 (X-GM-MSGID X-GM-THRID X-GM-LABELS)\r\n")
        #expect(client.readLine() == "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 1)")
        #expect(client.readLine() == "b OK Success")
    }

    @Test("the server drops the connection: the client gets * BYE and a close, never a hang")
    func upstreamDropIMAP() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            _ = connection.readLine()  // the client's NOOP; then the server vanishes
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        _ = client.imapLogin(account: reader.account, token: reader.token)
        client.send("b NOOP\r\n")
        #expect(client.readLine(timeout: .seconds(3)) == "* BYE upstream closed the connection")
        #expect(client.closedByPeer(within: .seconds(2)))
        #expect(try #require(authority).waitForEnded(1))
        #expect(authority?.summaries.first?.reason == "upstream closed the connection")
    }

    @Test("the SMTP server drops the connection: the client gets 421 4.4.2")
    func upstreamDropSMTP() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailSMTP(authReply: "235 2.7.0 Accepted\r\n") { connection in
            _ = connection.readLine()
        })
        var authority: FakeAuthority?
        let harness = try harness(.smtp, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        #expect(client.smtpLogin(account: reader.account, token: reader.token) == "235 2.7.0 Authentication successful")
        client.send("MAIL FROM:<pia@example.test>\r\n")
        #expect(client.readLine(timeout: .seconds(3)) == "421 4.4.2 upstream closed the connection")
        #expect(client.closedByPeer(within: .seconds(2)))
    }

    @Test("the server drops inside a literal: the client's stream is closed, not given a BYE in the middle")
    func upstreamDropMidLiteral() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            _ = connection.readLine()
            connection.send("* 1 FETCH (BODY[] {100}\r\nonly twenty bytes...")
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        _ = client.imapLogin(account: reader.account, token: reader.token)
        client.send("b FETCH 1 BODY[]\r\n")
        #expect(client.readLine(timeout: .seconds(3)) == "* 1 FETCH (BODY[] {100}")
        #expect(client.readToEnd(timeout: .seconds(3)) == "only twenty bytes...")  // then the end, without BYE
    }

    @Test("ending a session while the server is inside a literal closes without BYE, within one second")
    func killMidLiteral() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            _ = connection.readLine()
            connection.send("* 1 FETCH (BODY[] {100}\r\nhalf")
            connection.waitForClose()
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        _ = client.imapLogin(account: reader.account, token: reader.token)
        client.send("b FETCH 1 BODY[]\r\n")
        #expect(client.readLine() == "* 1 FETCH (BODY[] {100}")
        let start = ContinuousClock.now
        #expect(harness.proxy.sessions.end(where: { _ in true }, reason: "lease revoked") == 1)
        #expect(client.readToEnd(timeout: .seconds(2)) == "half")  // the partial literal, then EOF: no injected BYE
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(1), "closed after \(elapsed)")
        #expect(try #require(authority).waitForEnded(1))
        #expect(authority?.summaries.first?.reason == "lease revoked")
    }

    @Test("ending a session while a literal is still coming waits for its end, then says BYE")
    func killWaitsForBoundary() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            _ = connection.readLine()
            connection.send("* 1 FETCH (BODY[] {10}\r\n12345")
            usleep(200_000)
            connection.send("67890)\r\n* 2 FETCH (FLAGS (\\Seen))\r\n")
            connection.waitForClose()
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        let client = try LineClient(port: harness.port)
        _ = client.imapLogin(account: reader.account, token: reader.token)
        client.send("b FETCH 1 BODY[]\r\n")
        #expect(client.readLine() == "* 1 FETCH (BODY[] {10}")
        harness.proxy.sessions.end(where: { _ in true }, reason: "token revoked")
        #expect(client.readLine() == "1234567890)")
        let rest = client.readUntil("* BYE", timeout: .seconds(2))
        #expect(rest?.last == "* BYE token revoked")
        #expect(client.closedByPeer(within: .seconds(1)))
    }

    @Test("the daily limit reached mid-session ends it with * BYE [OVERQUOTA]")
    func trafficLimit() throws {
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted))
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        try #require(authority).setVerdict(.limitReached("2500 MB downloaded today"))
        let client = try LineClient(port: harness.port)
        _ = client.imapLogin(account: reader.account, token: reader.token)
        #expect(client.readLine(timeout: .seconds(3)) == "* BYE [OVERQUOTA] daily traffic limit reached: 2500 MB downloaded today")
        #expect(client.closedByPeer(within: .seconds(1)))
    }

    @Test("a client that vanishes is logged out upstream")
    func clientDrop() throws {
        let received = Mutex<[String]>([])
        let server = try FakeMailServer(script: FakeMailServer.gmailIMAP(loginReply: FakeMailServer.gmailAccepted) { connection in
            while let line = connection.readLine() { received.withLock { $0.append(line) } }
        })
        var authority: FakeAuthority?
        let harness = try harness(.imap, server: server, authority: &authority)
        do {
            let client = try LineClient(port: harness.port)
            _ = client.imapLogin(account: reader.account, token: reader.token)
        }
        #expect(try #require(authority).waitForEnded(1))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(received.withLock { $0 } == ["appvault-end LOGOUT"])
        #expect(authority?.summaries.first?.reason == "client closed the connection")
    }
}
