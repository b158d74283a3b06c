import AppVault
import Foundation
import Glibc
import MailConnectors
import TestSupport

/// A hostile or scripted mail server on loopback with implicit TLS (the test CA's localhost
/// certificate), for error paths the real servers cannot show: providers' refusal texts,
/// connections dropped mid-session, streams that stall inside a literal.
final class FakeMailServer: @unchecked Sendable {
    /// One accepted connection, after the TLS handshake: lines in, bytes out.
    final class Connection {
        let stream: LocalStream
        private var buffered: [UInt8] = []

        init(stream: LocalStream) { self.stream = stream }

        /// Sends `text`.
        func send(_ text: String) {
            var bytes = Array(text.utf8)[...]
            let deadline = ContinuousClock.now + .seconds(5)
            while !bytes.isEmpty && ContinuousClock.now < deadline {
                switch bytes.withUnsafeBytes({ stream.writeAvailable($0) }) {
                case .transferred(let count): bytes = bytes.dropFirst(count)
                case .wait: usleep(1000)
                case .closed, .failed: return
                }
            }
        }

        /// The next line from the proxy without CRLF; nil when it closed or after 10 s.
        func readLine() -> String? {
            let deadline = ContinuousClock.now + .seconds(10)
            var chunk = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                if let newline = buffered.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffered[..<newline], as: UTF8.self)
                    buffered.removeSubrange(...newline)
                    return line.hasSuffix("\r") ? String(line.dropLast()) : line
                }
                switch chunk.withUnsafeMutableBytes({ stream.readAvailable(into: $0) }) {
                case .transferred(let count): buffered += chunk[..<count]
                case .wait: usleep(1000)
                case .closed, .failed: return nil
                }
            }
            return nil
        }

        /// Waits until the proxy closes the connection (or 10 s pass).
        func waitForClose() { while readLine() != nil {} }
    }

    let port: Int
    private let listener: Int32

    /// Serves each connection with `script` on its own thread.
    init(script: @escaping @Sendable (Connection) -> Void) throws {
        let directory = try MailTestServers.directory()
        let tls = try ServerTLSContext(certificatePath: directory + "/server.pem", keyPath: directory + "/server.key")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw HarnessError("fake server cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread {
            while true {
                let client = acceptCloseOnExec(fd)
                guard client >= 0 else { return }
                Thread {
                    let stream = LocalStream(descriptor: client)
                    guard (try? stream.startTLS(tls, timeout: .seconds(5))) != nil else { return stream.close() }
                    script(Connection(stream: stream))
                    stream.close()
                }.start()
            }
        }.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The server as an account endpoint (implicit TLS, `localhost` as the certificate says).
    func endpoint() throws -> ServerEndpoint { try ServerEndpoint(host: "localhost", port: port, security: .tls) }

    /// Gmail's capabilities before login, as Gmail lists them.
    static let gmailPreLogin = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 "
        + "AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER"
    /// Gmail's capabilities after login, as Gmail lists them.
    static let gmailPostLogin = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE "
        + "ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584"

    /// Gmail's IMAP dialogue up to login: greeting, CAPABILITY, then `loginReply(tag)` to
    /// AUTHENTICATE; a reply starting with `tag OK` is followed by `afterLogin`.
    static func gmailIMAP(loginReply: @escaping @Sendable (String) -> String,
                          afterLogin: @escaping @Sendable (Connection) -> Void = { $0.waitForClose() }) -> @Sendable (Connection) -> Void {
        { connection in
            connection.send("* OK Gimap ready for requests from 127.0.0.1 a1mb2\r\n")
            var loggedIn = false
            while let line = connection.readLine() {
                let words = line.split(separator: " ", maxSplits: 2).map(String.init)
                guard words.count >= 2 else { return }
                switch words[1].uppercased() {
                case "CAPABILITY":
                    connection.send("* CAPABILITY \(loggedIn ? gmailPostLogin : gmailPreLogin)\r\n\(words[0]) OK Thats all she wrote! a1mb2\r\n")
                    if loggedIn { return afterLogin(connection) }
                case "AUTHENTICATE", "LOGIN":
                    let reply = loginReply(words[0])
                    connection.send(reply)
                    loggedIn = reply.hasPrefix("\(words[0]) OK") || reply.contains("\r\n\(words[0]) OK")
                default:
                    connection.send("\(words[0]) BAD Unknown command\r\n")
                }
            }
        }
    }

    /// Gmail's answer to a good AUTHENTICATE.
    static func gmailAccepted(_ tag: String) -> String {
        "* CAPABILITY \(gmailPostLogin)\r\n\(tag) OK pia@gmail.com authenticated (Success)\r\n"
    }

    /// Gmail's SMTP greeting and EHLO, then `authReply` to AUTH; after a 235, `afterLogin`.
    static func gmailSMTP(authReply: String,
                          afterLogin: @escaping @Sendable (Connection) -> Void = { $0.waitForClose() }) -> @Sendable (Connection) -> Void {
        { connection in
            connection.send("220 smtp.gmail.com ESMTP a1sm2 - gsmtp\r\n")
            while let line = connection.readLine() {
                switch line.split(separator: " ").first?.uppercased() ?? "" {
                case "EHLO":
                    connection.send("250-smtp.gmail.com at your service, [127.0.0.1]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n"
                                    + "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n250-ENHANCEDSTATUSCODES\r\n"
                                    + "250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n")
                case "AUTH":
                    connection.send(authReply)
                    if authReply.hasPrefix("235") { return afterLogin(connection) }
                case "QUIT":
                    connection.send("221 2.0.0 closing connection a1sm2 - gsmtp\r\n")
                    return
                default:
                    connection.send("502 5.5.1 Unrecognized command.\r\n")
                }
            }
        }
    }
}
