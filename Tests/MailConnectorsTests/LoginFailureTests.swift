import Testing
@testable import MailConnectors

/// Telling a dead app password from a temporary refusal, with providers' real reply texts.
@Suite("Login failure classification")
struct LoginFailureTests {
    @Test("provider replies that mean the password is dead", arguments: [
        // Gmail IMAP (MailKit issue 377, and Gmail's help pages)
        ConnectorError.authenticationFailed(serverText: "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
        .authenticationFailed(serverText: "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"),
        // Yahoo IMAP, Dovecot, Outlook (no response code)
        .authenticationFailed(serverText: "[AUTHENTICATIONFAILED] LOGIN Invalid credentials"),
        .authenticationFailed(serverText: "[AUTHENTICATIONFAILED] Authentication failed."),
        .authenticationFailed(serverText: "AUTHENTICATE failed."),
        .authenticationFailed(serverText: "LOGIN failed."),
        // Gmail SMTP, Outlook SMTP
        .authenticationFailed(serverText: "535 5.7.8 Username and Password not accepted. For more information, go to 5.7.8  https://support.google.com/mail/?p=BadCredentials"),
        .authenticationFailed(serverText: "534 5.7.9 Application-specific password required. Learn more at 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"),
        .authenticationFailed(serverText: "535 5.7.3 Authentication unsuccessful [SN4PR0601CA0012.namprd06.prod.outlook.com]"),
        .authenticationFailed(serverText: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."),
        // aiosmtpd
        .authenticationFailed(serverText: "535 5.7.8 Authentication credentials invalid"),
    ])
    func dead(error: ConnectorError) {
        guard case .passwordRejected = LoginFailure.classify(error) else {
            Issue.record("\(error) should mean the password is dead")
            return
        }
    }

    @Test("provider replies that are temporary", arguments: [
        ConnectorError.authenticationFailed(serverText: "[ALERT] Too many simultaneous connections. (Failure)"),
        .authenticationFailed(serverText: "[UNAVAILABLE] Temporary authentication failure. [mail.example:2024-05-01 10:00:00]"),
        .authenticationFailed(serverText: "[UNAVAILABLE] LOGIN Server error - Please try again later"),
        .authenticationFailed(serverText: "[LIMIT] Too many connections"),
        .authenticationFailed(serverText: "[ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)"),
        .authenticationFailed(serverText: "454 4.7.0 Too many login attempts, please try again later. Learn more at https://support.google.com/mail/answer/7126229"),
        .authenticationFailed(serverText: "535 5.7.0 (#AUTH005) Too many bad auth attempts."),
        .authenticationFailed(serverText: "534 5.7.14 <https://accounts.google.com/signin/continue> Please log in via your web browser and then try again."),
        .serverRejected(code: "421", text: "4.7.0 Try again later, closing connection."),
        .serverRejected(code: "454", text: "4.7.0 TLS not available due to temporary reason"),
        .serverRejected(code: "BYE", text: "Too many connections from your IP"),
    ])
    func temporary(error: ConnectorError) {
        guard case .temporary = LoginFailure.classify(error) else {
            Issue.record("\(error) should be temporary")
            return
        }
    }

    @Test("network, TLS and protocol failures say nothing about the password", arguments: [
        ConnectorError.hostNotFound("imap.gmail.com"), .connectionFailed(host: "h", port: 993, reason: "refused"),
        .connectTimedOut(host: "h", port: 993), .readTimedOut, .connectionClosed, .notTLS, .tlsFailed("bad record"),
        .certificateUntrusted(reason: "self-signed"), .certificateExpired, .hostnameMismatch(host: "h"),
        .starttlsUnavailable, .authenticationUnavailable(offered: "XOAUTH2"), .protocolViolation("garbage"),
        .serverRejected(code: "BAD", text: "Unknown command"), .serverRejected(code: "554", text: "no SMTP service here"),
    ])
    func unreachable(error: ConnectorError) {
        guard case .unreachable = LoginFailure.classify(error) else {
            Issue.record("\(error) should be unreachable")
            return
        }
    }

    @Test("an error that is not a connector error is unreachable, with its text sanitised")
    func otherErrors() {
        struct Odd: Error, CustomStringConvertible { var description: String { "odd\r\n* BYE" } }
        #expect(LoginFailure.classify(Odd()) == .unreachable("odd??* BYE"))
    }
}
