internal import COpenSSL
#if canImport(Glibc)
internal import Glibc
#endif

/// A logged-in connection relays bytes for a local client (the agent's mail proxy) after its
/// client hands it over.
extension Connection: RelayStream {
    var descriptor: Int32 { fd }

    var hasPendingInput: Bool {
        guard fd >= 0 else { return false }
        return !buffer.isEmpty || tls.map { NonBlockingIO.hasPending(ssl: $0.ssl) } == true
    }

    /// Bytes the login left in the read buffer come first, then the socket.
    func readAvailable(into target: UnsafeMutableRawBufferPointer) -> StreamProgress {
        guard fd >= 0 else { return .failed("the connection is closed") }
        if !buffer.isEmpty {
            let count = min(buffer.count, target.count)
            buffer.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            buffer.removeSubrange(..<count)
            return .transferred(count)
        }
        if let tls { return NonBlockingIO.read(ssl: tls.ssl, into: target) }
        return NonBlockingIO.read(fd: fd, into: target)
    }

    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> StreamProgress {
        guard fd >= 0 else { return .failed("the connection is closed") }
        if let tls { return NonBlockingIO.write(ssl: tls.ssl, bytes) }
        return NonBlockingIO.write(fd: fd, bytes)
    }

    /// Readies the connection for a long relay: TCP keep-alive, so a server that vanished
    /// without a reset is noticed within minutes, and OpenSSL's buffers released while idle,
    /// so a thousand idle sessions do not hold 70 KiB each.
    func prepareForRelay() {
        guard fd >= 0 else { return }
        var on: Int32 = 1
        var idle: Int32 = 120, interval: Int32 = 20, probes: Int32 = 6
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, size)
        if let tls { _ = appvault_SSL_set_mode(tls.ssl, Int(SSL_MODE_RELEASE_BUFFERS)) }
    }
}
