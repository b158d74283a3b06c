import Testing
import VaultCrypto
@testable import MailProxy

/// The SMTP dialogue before AUTH, driven from memory.
@Suite("SMTP pre-login dialogue")
struct SMTPPreLoginTests {
    enum Outcome: Equatable {
        case login(account: String, credential: String)
        case startTLS, leave
        case ended(PreLoginEnd)
    }

    private func run(_ input: String, startTLS: Bool = false) -> (output: String, event: Outcome) {
        var channel = MemoryChannel(input: Array(input.utf8), maxLineBytes: 1024)
        var dialogue = SMTPPreLogin(greetingName: "test", offersSTARTTLS: startTLS, tlsActive: false)
        let outcome: Outcome
        do {
            let event = try dialogue.next(&channel)
            switch consume event {
            case .login(_, let attempt):
                outcome = .login(account: attempt.account,
                                 credential: attempt.credential.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            case .startTLS: outcome = .startTLS
            case .leave: outcome = .leave
            }
        } catch {
            outcome = .ended(error)
        }
        return (channel.outputText, outcome)
    }

    @Test("EHLO lists AUTH PLAIN LOGIN (and STARTTLS when offered); HELO, NOOP, RSET, QUIT")
    func housekeeping() {
        let (output, event) = run("EHLO client.example\r\nHELO client\r\nNOOP\r\nRSET\r\nQUIT\r\n")
        #expect(output == "250-test appvault\r\n250-AUTH PLAIN LOGIN\r\n250 ENHANCEDSTATUSCODES\r\n"
                + "250 test\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n221 2.0.0 Bye\r\n")
        #expect(event == .leave)
        #expect(run("ehlo x\r\n", startTLS: true).output.contains("250-STARTTLS\r\n"))
    }

    @Test("mail transactions before AUTH get 530 5.7.0", arguments: ["MAIL FROM:<a@b>", "RCPT TO:<a@b>", "DATA", "BDAT 10 LAST"])
    func transactionsNeedAuth(command: String) {
        #expect(run(command + "\r\n").output == "530 5.7.0 Authentication required\r\n")
    }

    @Test("AUTH PLAIN with an initial response, and after a 334")
    func authPlain() {
        #expect(run("AUTH PLAIN AGJvYgBhdnQtdG9rZW4tMQ==\r\n").event == .login(account: "bob", credential: "avt-token-1"))
        let (output, event) = run("AUTH PLAIN\r\nAGJvYgBhdnQtdG9rZW4tMQ==\r\n")
        #expect(output == "334 \r\n" && event == .login(account: "bob", credential: "avt-token-1"))
    }

    @Test("AUTH LOGIN with and without the user name up front")
    func authLogin() {
        let (prompted, event) = run("AUTH LOGIN\r\nYm9i\r\nYXZ0LXRva2VuLTE=\r\n")
        #expect(prompted == "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n")
        #expect(event == .login(account: "bob", credential: "avt-token-1"))
        let (direct, second) = run("AUTH LOGIN Ym9i\r\nYXZ0LXRva2VuLTE=\r\n")
        #expect(direct == "334 UGFzc3dvcmQ6\r\n" && second == .login(account: "bob", credential: "avt-token-1"))
    }

    @Test("AUTH refusals: cancel, bad base64, unknown mechanism, foreign authorization id", arguments: [
        ("AUTH PLAIN\r\n*\r\n", "334 \r\n501 5.7.0 Authentication cancelled\r\n"),
        ("AUTH LOGIN\r\n*\r\n", "334 VXNlcm5hbWU6\r\n501 5.7.0 Authentication cancelled\r\n"),
        ("AUTH LOGIN Ym9i\r\n*\r\n", "334 UGFzc3dvcmQ6\r\n501 5.7.0 Authentication cancelled\r\n"),
        ("AUTH PLAIN ***\r\n", "501 5.5.2 Invalid SASL PLAIN response\r\n"),
        ("AUTH PLAIN =\r\n", "501 5.5.2 Empty SASL PLAIN response\r\n"),
        ("AUTH LOGIN Y\r\n", "501 5.5.2 Invalid base64 in the response\r\n"),
        ("AUTH CRAM-MD5\r\n", "504 5.5.4 Unrecognized authentication type (use PLAIN or LOGIN)\r\n"),
        ("AUTH\r\n", "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n"),
        ("AUTH PLAIN ZXZlAGJvYgBwdw==\r\n", "535 5.7.8 Acting as another user is not supported\r\n"),
        ("EHLO\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n"),
        ("STARTTLS\r\n", "502 5.5.1 STARTTLS is not available here\r\n"),
        ("\u{0}\u{ff}junk\r\n", "500 5.5.2 Command not recognized\r\n"),
        ("\r\n", "500 5.5.2 Empty command\r\n"),
    ])
    func refusals(input: String, reply: String) {
        let (output, event) = run(input + "NOOP\r\n")
        #expect(output == reply + "250 2.0.0 OK\r\n")
        #expect(event == .ended(.closed))
    }

    @Test("STARTTLS when offered")
    func startTLS() {
        let (output, event) = run("STARTTLS\r\n", startTLS: true)
        #expect(output == "220 2.0.0 Ready to start TLS\r\n" && event == .startTLS)
    }
}
