import AppVault
import Foundation
import Glibc
import Logging
import MailConnectors
import MailProxy
import TestSupport

/// A ``MailProxy`` serving a loopback TCP (or Unix) listener the test made, as the agent will:
/// an accept loop hands each connection to `serve` on a thread of its own.
final class ProxyHarness: @unchecked Sendable {
    let proxy: MailProxy
    /// The loopback port (TCP) the proxy listens on.
    let port: Int
    /// The Unix socket path, for a Unix listener.
    let socketPath: String?
    private let listener: Int32
    private let acceptor: Thread
    private var stopped = false

    /// Starts a proxy for `protocol` on a new loopback listener (or a Unix socket in a new folder).
    init(protocol: MailProtocol, transport: LocalTransport = .plain, authority: some SessionAuthority,
         upstream: (any UpstreamConnector)? = nil, configuration: ProxyConfiguration = ProxyHarness.configuration(),
         logs: LogCapture, peer: ProxyPeer = ProxyHarness.uniquePeer(), unix: Bool = false) throws {
        let logger = logs.logger("proxy")
        let connector = try upstream ?? MailUpstreamConnector(options: ProxyTestServers.options(), logger: logger)
        proxy = MailProxy(authority: authority, upstream: connector, configuration: configuration, logger: logger)
        if unix {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = folder + "/imap.sock"
            (listener, port) = try Self.listenUnix(path)
            socketPath = path
        } else {
            (listener, port) = try Self.listenTCP()
            socketPath = nil
        }
        let proxy = proxy
        let listener = listener
        acceptor = Thread {
            while true {
                let client = acceptCloseOnExec(listener)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                ServingThread.start { proxy.serve(clientFD: client, protocol: `protocol`, peer: peer, transport: transport) }
            }
        }
        acceptor.start()
    }

    deinit { stop() }

    /// Stops accepting (connections already served go on until they end).
    func stop() {
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Short time-outs, no failure delay unless a test asks.
    static func configuration(preLoginTimeout: Duration = .seconds(10), failureDelay: Duration = .milliseconds(50),
                              rateLimit: RateLimitPolicy = RateLimitPolicy(), localTLS: ServerTLSContext? = nil,
                              maxLine: Int = 8192) -> ProxyConfiguration {
        ProxyConfiguration(greetingName: "proxy.test", preLoginTimeout: preLoginTimeout, maxPreLoginLineBytes: maxLine,
                           failureDelay: failureDelay, rateLimit: rateLimit, localTLS: localTLS)
    }

    /// A peer of our own uid with a rate-limit key no other harness shares.
    static func uniquePeer() -> ProxyPeer {
        ProxyPeer(uid: getuid(), description: "uid \(getuid()) pid \(getpid()) test", rateLimitKey: "test \(UUID().uuidString)")
    }

    private static func listenTCP() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1024) == 0 else { throw HarnessError("cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func listenUnix(_ path: String) throws -> (Int32, Int) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1024) == 0 else { throw HarnessError("cannot listen on \(path)") }
        return (fd, 0)
    }
}

/// Threads as the agent will make them for sessions: detached, with the stack the proxy asks for.
enum ServingThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread; false if the system refused a thread.
    @discardableResult
    static func start(_ body: @escaping () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, MailProxy.threadStackBytes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if status != 0 { Unmanaged<Box>.fromOpaque(box).release() }
        return status == 0
    }
}

/// A harness set-up failure.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
