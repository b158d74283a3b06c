import Foundation
import Glibc

/// A bare protocol client for assertions on exact replies and timings: a blocking socket to the
/// proxy, lines in and out. Only for what real clients cannot show (refusal codes, hostile input).
final class LineClient {
    let fd: Int32
    private var buffered: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, or to the Unix socket at `path`.
    init(port: Int, path: String? = nil) throws {
        if let path {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard status == 0 else { throw HarnessError("cannot connect to \(path)") }
        } else {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else { throw HarnessError("cannot connect to 127.0.0.1:\(port)") }
        }
    }

    deinit { close(fd) }

    /// Sends `text` as is.
    func send(_ text: String) { send(bytes: Array(text.utf8)) }

    /// Sends raw bytes; false if the proxy closed the connection.
    @discardableResult
    func send(bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// The next line without CRLF; nil when the proxy closed the connection or after `timeout`.
    func readLine(timeout: Duration = .seconds(10)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                var line = Array(buffered[..<newline])
                buffered.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill(until: deadline) else { return nil }
        }
    }

    /// Lines until one starts with `prefix` (included), or nil.
    func readUntil(_ prefix: String, timeout: Duration = .seconds(10)) -> [String]? {
        var lines: [String] = []
        let deadline = ContinuousClock.now + timeout
        while let line = readLine(timeout: deadline - .now) {
            lines.append(line)
            if line.hasPrefix(prefix) { return lines }
        }
        return nil
    }

    /// Everything until the proxy closes the connection; nil if it is still open after `timeout`.
    func readToEnd(timeout: Duration = .seconds(5)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while fill(until: deadline) {}
        guard ContinuousClock.now < deadline else { return nil }
        defer { buffered.removeAll() }
        return String(decoding: buffered, as: UTF8.self)
    }

    /// Whatever arrives within `duration` (the connection may stay open).
    func readFor(_ duration: Duration) -> String {
        let deadline = ContinuousClock.now + duration
        while fill(until: deadline) {}
        defer { buffered.removeAll() }
        return String(decoding: buffered, as: UTF8.self)
    }

    /// Whether the proxy closed the connection within `timeout` (reading and dropping anything).
    func closedByPeer(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            buffered.removeAll()
            if !fill(until: deadline) { return ContinuousClock.now < deadline }
        }
        return false
    }

    private func fill(until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - .now
        guard left > .zero else { return false }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
        guard poll(&entry, 1, millis) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffered += chunk[..<count]
        return true
    }
}
