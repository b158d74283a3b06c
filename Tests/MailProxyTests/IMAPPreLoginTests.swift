import Testing
import VaultCrypto
@testable import MailProxy

/// The IMAP dialogue before login, driven from memory.
@Suite("IMAP pre-login dialogue")
struct IMAPPreLoginTests {
    /// Runs the dialogue over `input` until it needs the proxy; returns what it sent and the event.
    private func run(_ input: String, startTLS: Bool = false) -> (output: String, event: Outcome) {
        var channel = MemoryChannel(input: Array(input.utf8), maxLineBytes: 1024)
        var dialogue = IMAPPreLogin(greetingName: "test", maxLiteralBytes: 512, offersSTARTTLS: startTLS, tlsActive: false)
        let outcome: Outcome
        do {
            let event = try dialogue.next(&channel)
            switch consume event {
            case .login(let tag, let attempt):
                outcome = .login(tag: tag ?? "", account: attempt.account,
                                 credential: attempt.credential.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            case .startTLS: outcome = .startTLS
            case .leave: outcome = .leave
            }
        } catch {
            outcome = .ended(error)
        }
        return (channel.outputText, outcome)
    }

    enum Outcome: Equatable {
        case login(tag: String, account: String, credential: String)
        case startTLS, leave
        case ended(PreLoginEnd)
    }

    @Test("the greeting lists AUTH=PLAIN and SASL-IR, and STARTTLS only when offered")
    func greeting() {
        let plain = IMAPPreLogin(greetingName: "host", maxLiteralBytes: 512, offersSTARTTLS: false, tlsActive: false)
        let offered = IMAPPreLogin(greetingName: "host", maxLiteralBytes: 512, offersSTARTTLS: true, tlsActive: false)
        #expect(String(decoding: plain.greeting, as: UTF8.self)
                == "* OK [CAPABILITY IMAP4rev1 SASL-IR ID AUTH=PLAIN] host appvault ready\r\n")
        #expect(String(decoding: offered.greeting, as: UTF8.self).contains(" STARTTLS] "))
    }

    @Test("CAPABILITY, NOOP and ID are answered; LOGOUT says BYE and leaves")
    func housekeeping() {
        let (output, event) = run("a CAPABILITY\r\nb NOOP\r\nc ID (\"name\" \"imaplib\")\r\nd ID NIL\r\ne LOGOUT\r\n")
        #expect(output == "* CAPABILITY IMAP4rev1 SASL-IR ID AUTH=PLAIN\r\na OK CAPABILITY completed\r\n"
                + "b OK NOOP completed\r\n* ID NIL\r\nc OK ID completed\r\n* ID NIL\r\nd OK ID completed\r\n"
                + "* BYE appvault logging out\r\ne OK LOGOUT completed\r\n")
        #expect(event == .leave)
    }

    @Test("LOGIN with atoms, quoted strings and escapes", arguments: [
        ("a1 LOGIN bob avt-token-1\r\n", "bob", "avt-token-1"),
        ("a1 login \"bob\" \"avt-token-1\"\r\n", "bob", "avt-token-1"),
        ("a1 LOGIN \"b o b\" \"q\\\"uo\\\\te\"\r\n", "b o b", "q\"uo\\te"),
        ("a1 LOGIN bob \"\"\r\n", "bob", ""),
    ])
    func login(input: String, account: String, credential: String) {
        let (output, event) = run(input)
        #expect(output.isEmpty)
        #expect(event == .login(tag: "a1", account: account, credential: credential))
    }

    @Test("LOGIN with synchronizing literals asks for each with a continuation")
    func synchronizingLiterals() {
        let (output, event) = run("a2 LOGIN {3}\r\nbob {11}\r\navt-token-1\r\n")
        #expect(output == "+ Ready for literal data\r\n+ Ready for literal data\r\n")
        #expect(event == .login(tag: "a2", account: "bob", credential: "avt-token-1"))
    }

    @Test("LOGIN with non-synchronizing literals needs no continuation; literals keep CR, LF and spaces")
    func nonSynchronizingLiterals() {
        let (output, event) = run("a3 LOGIN {3+}\r\nbob {8+}\r\nx y\r\nz\"\\\r\n")
        #expect(output.isEmpty)
        #expect(event == .login(tag: "a3", account: "bob", credential: "x y\r\nz\"\\"))
    }

    @Test("AUTHENTICATE PLAIN with SASL-IR, without it, and cancelled")
    func authenticatePlain() {
        // "\0bob\0avt-token-1" and "bob\0bob\0avt-token-1" (authzid = authcid is allowed)
        let (first, withIR) = run("p1 AUTHENTICATE PLAIN AGJvYgBhdnQtdG9rZW4tMQ==\r\n")
        #expect(first.isEmpty && withIR == .login(tag: "p1", account: "bob", credential: "avt-token-1"))
        let (second, withoutIR) = run("p2 authenticate plain\r\nYm9iAGJvYgBhdnQtdG9rZW4tMQ==\r\n")
        #expect(second == "+ \r\n" && withoutIR == .login(tag: "p2", account: "bob", credential: "avt-token-1"))
        let (third, cancelled) = run("p3 AUTHENTICATE PLAIN\r\n*\r\n")
        #expect(third == "+ \r\np3 BAD AUTHENTICATE cancelled\r\n" && cancelled == .ended(.closed))
    }

    @Test("AUTHENTICATE refuses other mechanisms, bad base64, missing parts and foreign authorization ids")
    func authenticateRefusals() {
        #expect(run("x AUTHENTICATE CRAM-MD5\r\n").output == "x NO Unsupported authentication mechanism (use PLAIN)\r\n")
        #expect(run("x AUTHENTICATE PLAIN !!!!\r\n").output == "x BAD Invalid SASL PLAIN response\r\n")
        #expect(run("x AUTHENTICATE PLAIN =\r\n").output == "x BAD Empty SASL PLAIN response\r\n")
        #expect(run("x AUTHENTICATE PLAIN Ym9i\r\n").output == "x BAD Invalid SASL PLAIN response\r\n")  // "bob"
        // "eve\0bob\0pw": acting as eve with bob's credential
        #expect(run("x AUTHENTICATE PLAIN ZXZlAGJvYgBwdw==\r\n").output
                == "x NO [AUTHORIZATIONFAILED] Acting as another user is not supported\r\n")
    }

    @Test("commands of the authenticated state get BAD: log in first")
    func logInFirst() {
        let (output, event) = run("s1 SELECT INBOX\r\ns2 FETCH 1:* (BODY[])\r\n")
        #expect(output == "s1 BAD Log in first (LOGIN or AUTHENTICATE PLAIN)\r\ns2 BAD Log in first (LOGIN or AUTHENTICATE PLAIN)\r\n")
        #expect(event == .ended(.closed))
    }

    @Test("a refused command's non-synchronizing literal is read and dropped, not taken as a command")
    func droppedLiteral() {
        let (output, event) = run("s1 APPEND INBOX {11+}\r\ns2 LOGOUT\r\n\r\ns3 NOOP\r\n")
        #expect(output == "s1 BAD Log in first (LOGIN or AUTHENTICATE PLAIN)\r\ns3 OK NOOP completed\r\n")
        #expect(event == .ended(.closed))
    }

    @Test("a synchronizing literal over the limit gets BAD without a continuation; a non-synchronizing one closes")
    func oversizedLiterals() {
        #expect(run("a LOGIN bob {2147483648}\r\n").output == "a BAD Literal too long\r\n")
        #expect(run("a LOGIN bob {99999999999999999999999}\r\n").output == "a BAD Literal too long\r\n")
        #expect(run("a LOGIN bob {2147483648+}\r\n").event == .ended(.literalTooLong))
    }

    @Test("malformed lines get BAD and the dialogue goes on", arguments: [
        ("\r\n", "* BAD Invalid tag or command line\r\n"),
        ("+tag NOOP\r\n", "* BAD Invalid tag or command line\r\n"),
        ("a\r\n", "* BAD Invalid tag or command line\r\n"),
        ("a NOOP extra\r\n", "a BAD Unexpected arguments\r\n"),
        ("a LOGIN bob\r\n", "a BAD LOGIN expects a user name and a password\r\n"),
        ("a LOGIN bob \"unterminated\r\n", "a BAD LOGIN expects a user name and a password\r\n"),
        ("a LOGIN bob \"bad\\escape\"\r\n", "a BAD LOGIN expects a user name and a password\r\n"),
        ("a LOGIN bob pw extra\r\n", "a BAD Unexpected arguments\r\n"),
        ("a STARTTLS\r\n", "a BAD STARTTLS is not available here\r\n"),
        ("\u{1}\u{2}\u{ff}garbage\r\n", "* BAD Invalid tag or command line\r\n"),
    ])
    func malformed(input: String, reply: String) {
        let (output, event) = run(input + "z NOOP\r\n")
        #expect(output == reply + "z OK NOOP completed\r\n")
        #expect(event == .ended(.closed))
    }

    @Test("STARTTLS is accepted when offered, once")
    func startTLS() {
        let (output, event) = run("t STARTTLS\r\n", startTLS: true)
        #expect(output == "t OK Begin TLS negotiation now\r\n" && event == .startTLS)
    }

    @Test("a line over the limit ends the dialogue")
    func longLine() {
        let (_, event) = run("a NOOP " + String(repeating: "x", count: 5000) + "\r\n")
        #expect(event == .ended(.lineTooLong))
    }
}
