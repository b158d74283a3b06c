import AppVault
import Foundation
import MailConnectors
import MailProxy
import Testing
import TestSupport

/// Local TLS for clients that insist: implicit TLS and STARTTLS with a certificate from PEM
/// files, checked by curl, openssl s_client and Python's ssl module.
@Suite("Local TLS: implicit and STARTTLS")
struct LocalTLSTests {
    private let reader = ProxyTestServers.reader

    private func context() throws -> ServerTLSContext {
        let directory = try ProxyTestServers.directory()
        return try ServerTLSContext(certificatePath: directory + "/server.pem", keyPath: directory + "/server.key")
    }

    private func harness(_ proto: MailProtocol, _ transport: LocalTransport) throws -> ProxyHarness {
        try ProxyHarness(protocol: proto, transport: transport, authority: try ProxyTestServers.authority(),
                         configuration: ProxyHarness.configuration(localTLS: try context()), logs: LogCapture())
    }

    @Test("curl over implicit TLS (imaps://) and with STARTTLS required (imap:// --ssl-reqd)", arguments: [
        (LocalTransport.implicitTLS, "imaps"), (.plainWithSTARTTLS, "imap"),
    ])
    func curl(transport: LocalTransport, scheme: String) throws {
        let subject = try IMAPProxyTests.bigMessage.get()
        let harness = try harness(.imap, transport)
        let netrc = try ProxyTestServers.netrc(reader)
        defer { try? FileManager.default.removeItem(atPath: netrc) }
        let output = try ChildProcess.run(["curl", "--silent", "--show-error", "--ssl-reqd", "--cacert", try ProxyTestServers.caFile(),
                                           "--netrc-file", netrc, "\(scheme)://localhost:\(harness.port)/INBOX?SUBJECT%20%22"
                                           + subject.replacingOccurrences(of: " ", with: "%20") + "%22"])
        #expect(output.hasPrefix("* SEARCH "))
    }

    @Test("openssl s_client verifies the certificate after STARTTLS, IMAP and SMTP", arguments: [
        (MailProtocol.imap, "imap"), (.smtp, "smtp"),
    ])
    func opensslStartTLS(proto: MailProtocol, name: String) throws {
        let harness = try harness(proto, .plainWithSTARTTLS)
        let output = try ChildProcess.run(["openssl", "s_client", "-brief", "-nocommands", "-ign_eof", "-starttls", name, "-connect", "127.0.0.1:\(harness.port)",
                                           "-CAfile", try ProxyTestServers.caFile(), "-verify_hostname", "localhost",
                                           "-verify_return_error"], stdin: proto == .imap ? "a LOGOUT\r\n" : "QUIT\r\n")
        #expect(output.contains(proto == .imap ? "a OK LOGOUT completed" : "221 2.0.0 Bye"))
    }

    @Test("smtplib sends through STARTTLS on the local side")
    func smtplibStartTLS() throws {
        let harness = try harness(.smtp, .plainWithSTARTTLS)
        let sender = ProxyTestServers.sender
        let subject = "local starttls \(UUID().uuidString.prefix(8))"
        let output = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("smtp_client.py"), "127.0.0.1", String(harness.port),
                                           sender.account, "PLAIN", sender.user, reader.user, subject, try ProxyTestServers.caFile()],
                                          stdin: sender.token + "\n")
        #expect(try json(output)["auth"] as? Int == 235)
        #expect(try ProxyTestServers.newestSubjects(reader).contains(subject))
    }

    @Test("plaintext sent together with STARTTLS is discarded, not run over TLS", arguments: ["imap", "smtp"])
    func startTLSInjection(name: String) throws {
        let harness = try harness(name == "imap" ? .imap : .smtp, .plainWithSTARTTLS)
        let first = try ChildProcess.run(["/usr/bin/python3", ChildProcess.script("starttls_injection.py"), name, String(harness.port),
                                          try ProxyTestServers.caFile()])
        #expect(first == (name == "imap" ? "c OK NOOP completed" : "250 2.0.0 OK"))
    }

    @Test("TLS older than 1.2 is refused")
    func oldTLS() throws {
        let harness = try harness(.imap, .implicitTLS)
        let probe = """
        import socket, ssl, sys
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(sys.argv[2])
        context.set_ciphers("DEFAULT@SECLEVEL=0")
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
        try:
            context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
            print("handshake succeeded")
        except ssl.SSLError as error:
            print("refused:", error.reason)
        """
        let output = try ChildProcess.run(["/usr/bin/python3", "-c", probe, String(harness.port), try ProxyTestServers.caFile()])
        #expect(output.hasPrefix("refused:"), "\(output)")
    }

    @Test("bad certificate or key files are refused when the proxy is configured")
    func badFiles() throws {
        let directory = try ProxyTestServers.directory()
        #expect {
            _ = try ServerTLSContext(certificatePath: directory + "/missing.pem", keyPath: directory + "/server.key")
        } throws: { error in
            if case ServerTLSError.certificateUnreadable = error { true } else { false }
        }
        #expect {
            _ = try ServerTLSContext(certificatePath: directory + "/server.pem", keyPath: directory + "/ca.pem")
        } throws: { error in
            if case ServerTLSError.keyUnreadable = error { true } else { false }
        }
        #expect(throws: ServerTLSError.keyMismatch) {
            _ = try ServerTLSContext(certificatePath: directory + "/server.pem", keyPath: directory + "/expired.key")
        }
    }

    @Test("a client that never completes the TLS handshake is dropped at the pre-login deadline")
    func stalledHandshake() throws {
        let harness = try ProxyHarness(protocol: .imap, transport: .implicitTLS, authority: try ProxyTestServers.authority(),
                                       configuration: ProxyHarness.configuration(preLoginTimeout: .milliseconds(800),
                                                                                 localTLS: try context()),
                                       logs: LogCapture())
        let client = try LineClient(port: harness.port)
        #expect(client.closedByPeer(within: .seconds(3)))
    }
}
