internal import Glibc

/// Loopback TCP listening sockets for the IMAP and SMTP endpoints, and who is on the other end.
enum TCPListener {
    /// A loopback address to listen on.
    struct Address: Equatable, CustomStringConvertible {
        var ipv6: Bool
        var port: UInt16
        var description: String { ipv6 ? "[::1]:\(port)" : "127.0.0.1:\(port)" }
    }

    /// Parses `HOST:PORT` where HOST is `127.0.0.1`, `localhost`, `::1` or `[::1]`; refuses any
    /// other address: the endpoints hand out mailbox sessions and are for this host only.
    static func parse(_ text: String) throws(AgentError) -> Address {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw .listen(text, "must look like 127.0.0.1:PORT")
        }
        switch String(text[..<colon]) {
        case "127.0.0.1", "localhost": return Address(ipv6: false, port: port)
        case "::1", "[::1]": return Address(ipv6: true, port: port)
        case let host:
            throw .listen(text, "\(host) is not a loopback address; the endpoints listen on 127.0.0.1 or ::1 only (reach them from elsewhere through a tunnel you control)")
        }
    }

    /// Binds and listens on `address`.
    static func listen(_ address: Address, backlog: Int32) throws(AgentError) -> Int32 {
        let fd = socket(address.ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(SystemError("socket")) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if address.ipv6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = address.port.bigEndian
            addr.sin6_addr = in6addr_loopback
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = address.port.bigEndian
            addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("bind/listen", address.description)
            Posix.close(fd)
            throw .system(error)
        }
        return fd
    }

    /// The uid that owns the client's end of an accepted loopback connection, from the kernel's
    /// socket table (`/proc/net/tcp`, `/proc/net/tcp6`): the entry whose local address is our
    /// peer and whose remote address is us. Nil when it is not found (the client already closed).
    static func peerUID(_ fd: Int32) -> UInt32? {
        guard let ours = address(fd, peer: false), let theirs = address(fd, peer: true) else { return nil }
        let table = ours.ipv6 ? "/proc/net/tcp6" : "/proc/net/tcp"
        guard let text = Posix.readProcFile(table) else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 7, fields[1] == theirs.text, fields[2] == ours.text else { continue }
            return UInt32(fields[7])
        }
        return nil
    }

    /// A socket's local or peer address in the kernel table's notation (`0100007F:1F90`).
    private static func address(_ fd: Int32, peer: Bool) -> (ipv6: Bool, text: Substring)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        func hex(_ value: UInt32, _ width: Int) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    (false, Substring(hex(pointer.pointee.sin_addr.s_addr, 8) + ":" + hex(UInt32(UInt16(bigEndian: pointer.pointee.sin_port)), 4)))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var words = pointer.pointee.sin6_addr
                    let text = withUnsafeBytes(of: &words) { raw in
                        (0..<4).map { hex(raw.load(fromByteOffset: $0 * 4, as: UInt32.self), 8) }.joined()
                    }
                    return (true, Substring(text + ":" + hex(UInt32(UInt16(bigEndian: pointer.pointee.sin6_port)), 4)))
                }
            }
        default:
            return nil
        }
    }
}
