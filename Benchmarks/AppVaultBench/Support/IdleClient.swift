import Foundation
import Glibc

/// One bare IMAP client connection for the concurrent-IDLE measurement: logs in through the
/// proxy, selects INBOX, enters IDLE and then only waits. Blocking socket, lines in and out.
/// Each client is used by one thread at a time (made on a worker, then read by the main thread).
final class IdleClient: @unchecked Sendable {
    private let fd: Int32
    private var buffered: [UInt8] = []

    /// Connects to 127.0.0.1:`port` and goes into IDLE; throws if any step is refused.
    init(port: Int, account: String, token: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected == 0 else { throw Subprocess.Failure(description: "cannot connect to the proxy") }
        _ = try expect("* OK")
        for (tag, command, reply) in [("a", "LOGIN \(account) \"\(token)\"", "a OK"), ("b", "SELECT INBOX", "b OK"), ("c", "IDLE", "+")] {
            write("\(tag) \(command)\r\n")
            _ = try expect(reply)
        }
    }

    deinit { close(fd) }

    /// Reads lines until one starts with `prefix`; returns it.
    func expect(_ prefix: String) throws -> String {
        while true {
            guard let line = readLine() else { throw Subprocess.Failure(description: "the proxy closed or timed out waiting for \(prefix)") }
            if line.hasPrefix(prefix) { return line }
            if line.hasPrefix("* BYE") || line.contains(" NO ") || line.contains(" BAD ") {
                throw Subprocess.Failure(description: "refused: \(line.prefix(120))")
            }
        }
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func readLine() -> String? {
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line.hasSuffix("\r") ? String(line.dropLast()) : line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffered += chunk[..<count]
        }
    }
}
