import AppVault
import Foundation
import Testing
@testable import MailConnectors

/// Certificates, STARTTLS stripping, time-outs and garbage: each must end in its own clear error,
/// before any credential is sent.
@Suite("Connection failures")
struct TLSFailureTests {
    let user = TestServers.alice.user
    let password = TestServers.alice.password

    func imap(port: Int, security: TransportSecurity, options: ConnectionOptions? = nil) throws {
        let lease = try TestServers.lease(.imap, port: port, security: security, user: user)
        let client = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                                            options: try options ?? TestServers.options(), logger: LogCapture().logger())
        try client.logout()
    }

    @Test("the test CA is not trusted without --ca-file: certificateUntrusted")
    func untrusted() throws {
        var options = try TestServers.options()
        options.caFile = nil
        #expect(throws: ConnectorError.certificateUntrusted(reason: "issued by an unknown certificate authority")) {
            try imap(port: 10993, security: .tls, options: options)
        }
    }

    @Test("an expired certificate: certificateExpired")
    func expired() {
        #expect(throws: ConnectorError.certificateExpired) { try imap(port: 10994, security: .tls) }
    }

    @Test("a certificate for another name: hostnameMismatch")
    func wrongName() {
        #expect(throws: ConnectorError.hostnameMismatch(host: "localhost")) { try imap(port: 10995, security: .tls) }
    }

    @Test("a certificate is checked against an IP address too")
    func ipAddress() throws {
        let lease = try TestServers.lease(.imap, port: 10993, security: .tls, user: user, host: "127.0.0.1")
        try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                               options: try TestServers.options(), logger: LogCapture().logger()).logout()
        let wrong = try TestServers.lease(.imap, port: 10995, security: .tls, user: user, host: "127.0.0.1")
        #expect(throws: ConnectorError.hostnameMismatch(host: "127.0.0.1")) {
            _ = try IMAPClient.connect(lease: wrong, redeemer: FixedPasswordRedeemer(password: password),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        }
    }

    @Test("a CA file that does not exist: caFileUnreadable")
    func missingCAFile() throws {
        var options = try TestServers.options()
        options.caFile = "/nonexistent/ca.pem"
        #expect(throws: ConnectorError.caFileUnreadable(path: "/nonexistent/ca.pem")) {
            try imap(port: 10993, security: .tls, options: options)
        }
    }

    @Test("IMAP with STARTTLS stripped: refused, no credential sent")
    func imapStripped() throws {
        let secret = "imap-strip-" + UUID().uuidString
        let lease = try TestServers.lease(.imap, port: 10144, security: .starttls, user: user)
        #expect(throws: ConnectorError.starttlsUnavailable) {
            _ = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: secret),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        }
        let seen = try String(contentsOfFile: try TestServers.directory() + "/mitm-imap.log", encoding: .utf8)
        #expect(seen.contains("CAPABILITY"))
        let leaked = seen.contains("AUTHENTICATE") || seen.contains("LOGIN") || seen.contains(secret)
        #expect(!leaked, "a credential or AUTH command went through the stripping proxy")
    }

    @Test("SMTP with STARTTLS stripped: refused, no credential sent")
    func smtpStripped() throws {
        let secret = "smtp-strip-" + UUID().uuidString
        let lease = try TestServers.lease(.smtp, port: 10588, security: .starttls, user: user)
        #expect(throws: ConnectorError.starttlsUnavailable) {
            _ = try SMTPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: secret),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        }
        let seen = try String(contentsOfFile: try TestServers.directory() + "/mitm-smtp.log", encoding: .utf8)
        #expect(seen.contains("EHLO"))
        let leaked = seen.contains("AUTH") || seen.contains(secret)
        #expect(!leaked, "a credential or AUTH command went through the stripping proxy")
    }

    @Test("a server that never answers times out within the configured time", arguments: [
        (TransportSecurity.tls, ConnectorError.handshakeTimedOut), (TransportSecurity.starttls, ConnectorError.readTimedOut),
    ])
    func stall(security: TransportSecurity, expected: ConnectorError) throws {
        let start = ContinuousClock.now
        #expect(throws: expected) {
            try imap(port: 10901, security: security, options: try TestServers.options(timeout: .milliseconds(700)))
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("a connection that is never accepted times out")
    func connectTimeout() throws {
        let start = ContinuousClock.now
        #expect(throws: ConnectorError.connectTimedOut(host: "localhost", port: 10903)) {
            try imap(port: 10903, security: .tls, options: try TestServers.options(timeout: .milliseconds(700)))
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("a closed port is connectionFailed")
    func refused() {
        #expect {
            try imap(port: 10999, security: .tls)
        } throws: { error in
            if case ConnectorError.connectionFailed(_, 10999, _) = error { return true }
            return false
        }
    }

    @Test("garbage instead of a greeting is a protocol violation; instead of TLS it is notTLS")
    func garbage() throws {
        #expect(throws: ConnectorError.self) { try imap(port: 10902, security: .starttls) }
        #expect {
            try imap(port: 10902, security: .starttls)
        } throws: { error in
            if case ConnectorError.protocolViolation = error { return true }
            return false
        }
        #expect(throws: ConnectorError.notTLS) { try imap(port: 10902, security: .tls) }
        let lease = try TestServers.lease(.smtp, port: 10902, security: .starttls, user: user)
        #expect {
            _ = try SMTPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: password),
                                       options: try TestServers.options(), logger: LogCapture().logger())
        } throws: { error in
            if case ConnectorError.protocolViolation = error { return true }
            return false
        }
    }

    @Test("implicit TLS against a plaintext IMAP port is notTLS")
    func plaintextPort() {
        #expect(throws: ConnectorError.notTLS) { try imap(port: 10143, security: .tls) }
    }
}

@Suite("STARTTLS command injection")
struct STARTTLSInjectionTests {
    @Test("plaintext sent with the STARTTLS OK is discarded, not read as protected data")
    func injectedLineIgnored() throws {
        let lease = try TestServers.lease(.imap, port: 10904, security: .starttls, user: TestServers.alice.user)
        let client = try IMAPClient.connect(lease: lease, redeemer: FixedPasswordRedeemer(password: "x"),
                                            options: try TestServers.options(), logger: LogCapture().logger())
        #expect(client.capabilities.contains("AUTH=PLAIN"))
        #expect(!client.capabilities.contains("INJECTED"))
        try client.logout()
    }
}
