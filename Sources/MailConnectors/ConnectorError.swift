/// What went wrong talking to a mail server, and what to do about it.
///
/// Messages never contain a secret: server texts are quoted only from replies to non-secret
/// commands or from authentication failures, and are cut to printable ASCII.
public enum ConnectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server's host name does not resolve. Check the account's server name and the DNS.
    case hostNotFound(String)
    /// The TCP connection was refused or the network is unreachable. Check the host and port,
    /// and that the server is running.
    case connectionFailed(host: String, port: Int, reason: String)
    /// No TCP connection within the connect time-out. A firewall may drop the packets; check
    /// the port, or raise `connectTimeout`.
    case connectTimedOut(host: String, port: Int)
    /// The TLS handshake did not finish within the I/O time-out. The port may not speak TLS.
    case handshakeTimedOut
    /// The server sent nothing within the I/O time-out. Try again later, or raise `ioTimeout`.
    case readTimedOut
    /// The server accepted no data within the I/O time-out. Try again later.
    case writeTimedOut
    /// The server closed the connection unexpectedly. Try again; if it keeps happening the
    /// server may be throttling this account.
    case connectionClosed
    /// The port does not speak TLS. Use the implicit-TLS port (993/465) or `starttls` mode.
    case notTLS
    /// The TLS layer failed (no shared protocol version or cipher, bad record). The text is
    /// OpenSSL's reason. Servers offering less than TLS 1.2 are refused.
    case tlsFailed(String)
    /// The server's certificate chain does not lead to a trusted CA (self-signed, unknown issuer,
    /// revoked purpose). If this is your own server, pass its CA with `--ca-file`.
    case certificateUntrusted(reason: String)
    /// The server's certificate has expired. The server's operator must renew it; check also
    /// this machine's clock.
    case certificateExpired
    /// The server's certificate is not valid yet. Check this machine's clock.
    case certificateNotYetValid
    /// The certificate is valid but for another name than `host`: possibly a wrong server name
    /// in the account, possibly an attack. Do not work around it.
    case hostnameMismatch(host: String)
    /// The CA file given with `--ca-file` / `APPVAULT_CA_FILE` cannot be read as PEM certificates.
    case caFileUnreadable(path: String)
    /// The server does not offer STARTTLS (or an attacker removed it), so no credential was
    /// sent. Use the implicit-TLS port, or find out why the offer is missing.
    case starttlsUnavailable
    /// The server offers no authentication method appvault can use safely (PLAIN or LOGIN
    /// over TLS). The text lists what it offered.
    case authenticationUnavailable(offered: String)
    /// The server refused the user name and app password. The password may have been revoked at
    /// the provider: create a new one there and run `appvault rotate`.
    case authenticationFailed(serverText: String)
    /// The agent's local endpoint refused the client token or lease password (the text is its
    /// reason: unknown, expired, spent, not allowed for this program). Get a valid token or a
    /// new lease from the agent.
    case localCredentialRefused(serverText: String)
    /// The server refused a command. `code` is the IMAP status (NO, BAD, BYE) or SMTP reply code.
    case serverRejected(code: String, text: String)
    /// The server broke the protocol (malformed or oversized reply). It may not be a mail server
    /// of the expected kind, or something in between is tampering with the connection.
    case protocolViolation(String)
    /// An argument was rejected before anything was sent; the text says which and why.
    case invalidArgument(String)
    /// The client was used after `logout()`/`quit()` or after a fatal error. Connect again.
    case notConnected
    /// The server ended the session (IMAP `BYE`) with this reason. Connect again later; if it
    /// says the account is over a limit, wait until the limit resets.
    case serverClosedSession(reason: String)
    /// The server lacks an extension this call needs (for example X-GM-RAW without
    /// X-GM-EXT-1, or IDLE). The text names it; use a call the server supports.
    case unsupported(String)
    /// No message with this UID is in the open mailbox (it may have been expunged). List again.
    case messageNotFound(uid: UInt32)
    /// The server answered a FETCH for a body part without the part. The text says which.
    case partMissing(String)
    /// Writing fetched data to its destination failed (disk full, permissions); the text says
    /// where and why. Nothing was fetched into a file that looks complete.
    case outputFailed(String)

    public var description: String {
        switch self {
        case .hostNotFound(let host):
            return "cannot resolve host name '\(host)'"
        case .connectionFailed(let host, let port, let reason):
            return "cannot connect to \(host):\(port): \(reason)"
        case .connectTimedOut(let host, let port):
            return "connecting to \(host):\(port) timed out"
        case .handshakeTimedOut:
            return "the TLS handshake timed out (is this a TLS port?)"
        case .readTimedOut:
            return "the server did not answer in time"
        case .writeTimedOut:
            return "the server did not accept data in time"
        case .connectionClosed:
            return "the server closed the connection unexpectedly"
        case .notTLS:
            return "the server does not speak TLS on this port; use the TLS port or starttls mode"
        case .tlsFailed(let reason):
            return "TLS failed: \(reason)"
        case .certificateUntrusted(let reason):
            return "the server's certificate is not trusted (\(reason)); for a private CA use --ca-file"
        case .certificateExpired:
            return "the server's certificate has expired"
        case .certificateNotYetValid:
            return "the server's certificate is not valid yet (check the clock)"
        case .hostnameMismatch(let host):
            return "the server's certificate is not valid for '\(host)'"
        case .caFileUnreadable(let path):
            return "cannot load CA certificates from \(path)"
        case .starttlsUnavailable:
            return "the server does not offer STARTTLS; refusing to send credentials without TLS"
        case .authenticationUnavailable(let offered):
            return "the server offers no usable authentication method (offered: \(offered))"
        case .authenticationFailed(let text):
            return "the server rejected the app password (\(text)); if it was revoked, create a new one and run `appvault rotate`"
        case .localCredentialRefused(let text):
            return "the agent refused the local credential (\(text)); use a valid client token or a new lease"
        case .serverRejected(let code, let text):
            let hint = code.hasPrefix("4") ? " (temporary; try again later)" : ""
            return "the server refused: \(code) \(text)\(hint)"
        case .protocolViolation(let detail):
            return "protocol error: \(detail)"
        case .invalidArgument(let text):
            return text
        case .notConnected:
            return "not connected (the session was closed)"
        case .serverClosedSession(let reason):
            return "the server ended the session: \(reason)"
        case .unsupported(let what):
            return "the server does not support \(what)"
        case .messageNotFound(let uid):
            return "no message with UID \(uid) in the mailbox (expunged?)"
        case .partMissing(let what):
            return "the server sent no data for \(what)"
        case .outputFailed(let what):
            return "cannot write fetched data: \(what)"
        }
    }
}

extension ConnectorError {
    /// Server text made safe for messages and logs: printable ASCII, at most 200 characters.
    static func sanitize<S: Sequence<UInt8>>(_ bytes: S) -> String {
        var out = ""
        for byte in bytes.prefix(200) {
            out.unicodeScalars.append((0x20..<0x7F).contains(byte) ? Unicode.Scalar(byte) : "?")
        }
        return out
    }

    /// Server or user text made safe for messages and logs, as above.
    static func sanitize(_ text: String) -> String { sanitize(Array(text.utf8)) }
}

extension ConnectorError {
    /// Runs a login on a local endpoint: the endpoint refusing the credential is reported as
    /// ``localCredentialRefused(serverText:)``, not as a rejected app password.
    static func refusingLocalCredential(_ login: () throws -> Void) throws {
        do { try login() } catch ConnectorError.authenticationFailed(let text) {
            throw ConnectorError.localCredentialRefused(serverText: text)
        }
    }
}
