import AppVault
import Foundation
import Glibc
import Logging
import MailConnectors
import MailProxy
import Synchronization
import VaultCrypto

/// A ``MailProxy`` in this process on a loopback listener, as the agent will host it: an accept
/// loop and a thread per connection. Its authority knows one token for the test servers' `bob`.
final class ProxyBenchHost: @unchecked Sendable {
    /// The token local clients log in with (user `bob`).
    static let token = "avt-bench-" + SecureRandom.bytes(12).map { String(format: "%02x", $0) }.joined()

    let proxy: MailProxy
    let port: Int
    private let listener: Int32
    /// Connections being served (`serve` not yet returned).
    private let serving = ServingCount()

    init(servers: TestServers) throws {
        let logger = Logger(label: "appvault-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let authority = BenchAuthority(servers: servers, endpoint: try ServerEndpoint(host: "localhost", port: servers.imap, security: .tls))
        proxy = MailProxy(authority: authority,
                          upstream: MailUpstreamConnector(options: ConnectionOptions(caFile: servers.caFile), logger: logger),
                          configuration: ProxyConfiguration(), logger: logger)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 4096) == 0 else { throw Subprocess.Failure(description: "cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let proxy = proxy
        let serving = serving
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                let peer = ProxyPeer(uid: getuid(), description: "bench client", rateLimitKey: "bench")
                serving.count.withLock { $0 += 1 }
                let thread = Thread {
                    proxy.serve(clientFD: client, protocol: .imap, peer: peer, transport: .plain)
                    serving.count.withLock { $0 -= 1 }
                }
                thread.stackSize = MailProxy.threadStackBytes
                thread.start()
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Waits until every connection is served to its end (after clients left), at most `timeout`.
    func waitUntilIdle(timeout: Duration = .seconds(30)) {
        let deadline = ContinuousClock.now + timeout
        while serving.count.withLock({ $0 }) > 0 && ContinuousClock.now < deadline { usleep(10_000) }
    }
}

/// How many connections are being served, shared with the accept loop.
private final class ServingCount: Sendable {
    let count = Mutex(0)
}

/// The bench's authority: one token, one account, no policy, no metering limit.
private struct BenchAuthority: SessionAuthority {
    let servers: TestServers
    let endpoint: ServerEndpoint

    func open(_ request: LoginRequest, credential: borrowing SecureBytes) throws(SessionRefusal) -> SessionGrant {
        let matches = credential.withUnsafeBytes { Array($0) == Array(ProxyBenchHost.token.utf8) }
        guard matches, request.account == "bob" else { throw .invalidCredential }
        return SessionGrant(sessionID: "bench", account: "bob", protocol: .imap, endpoint: endpoint, username: servers.user,
                            client: "appvault-bench")
    }

    func withUpstreamSecret<Result>(_ grant: SessionGrant, _ body: (borrowing SecureBytes) throws -> Result) throws -> Result {
        try body(try SecureBytes(copying: Array(servers.password.utf8)))
    }

    func upstreamLoggedIn(_ grant: SessionGrant) {}
    func upstreamLoginFailed(_ grant: SessionGrant, _ failure: UpstreamFailure) {}
    func meter(_ grant: SessionGrant, downloaded: Int64, uploaded: Int64) -> MeterVerdict { .proceed }
    func refused(_ request: LoginRequest, _ refusal: SessionRefusal) {}
    func ended(_ grant: SessionGrant, _ summary: SessionEnd) {}
}
