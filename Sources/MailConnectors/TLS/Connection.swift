#if canImport(Glibc)
internal import Glibc
#endif
internal import Logging
internal import AppVault

/// A buffered, metered byte stream to a mail server: plaintext TCP that can be upgraded with
/// STARTTLS, or TLS from the start. Every operation has a time-out.
///
/// Counts application bytes in each direction for traffic metering.
final class Connection: ByteSource {
    var fd: Int32
    var tls: TLSSession?
    var buffer: [UInt8] = []
    private let host: String
    private let options: ConnectionOptions
    private let logger: Logger
    /// Bytes received from the server.
    private(set) var bytesRead: Int64 = 0
    /// Bytes sent to the server.
    private(set) var bytesWritten: Int64 = 0
    /// Whether this is a plaintext channel to a checked local endpoint (a Unix socket that passed
    /// ``CheckedUnixSocket``'s checks, or loopback), where LOGIN without TLS is allowed.
    private(set) var isLocalChannel = false

    /// Connects to `endpoint`; with `.tls` security the handshake runs before this returns.
    init(endpoint: ServerEndpoint, options: ConnectionOptions, logger: Logger) throws(ConnectorError) {
        // An IPv6 literal may come bracketed ("[::1]"); sockets and certificates want it bare.
        self.host = endpoint.host.hasPrefix("[") && endpoint.host.hasSuffix("]")
            ? String(endpoint.host.dropFirst().dropLast()) : endpoint.host
        self.options = options
        self.logger = logger
        fd = try TCPSocket.connect(host: host, port: endpoint.port, timeout: options.connectTimeout)
        if endpoint.security == .tls {
            do { try startTLS() } catch { close(); throw error }
        }
    }

    /// Takes over `fd`, a socket already connected to a checked local endpoint (see
    /// ``isLocalChannel``); it stays plaintext. `name` is for logs.
    init(localSocket fd: Int32, name: String, options: ConnectionOptions, logger: Logger) {
        self.fd = fd
        self.host = name
        self.options = options
        self.logger = logger
        self.isLocalChannel = true
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    /// Whether bytes arrive within `timeout` (true at once if some are buffered); false on time-out.
    func awaitData(within timeout: Duration) throws(ConnectorError) -> Bool {
        guard buffer.isEmpty else { return true }
        do {
            try fill(deadline: Deadline(after: timeout))
            return true
        } catch .readTimedOut {
            return false
        }
    }

    /// Whether the stream is encrypted.
    var isTLS: Bool { tls != nil }

    /// Starts TLS on the open socket. Bytes the server sent before the handshake are discarded,
    /// so an attacker cannot inject plaintext that would later look like protected data.
    func startTLS() throws(ConnectorError) {
        guard fd >= 0 else { throw .notConnected }
        if !buffer.isEmpty {
            logger.debug("discarding \(buffer.count) plaintext bytes received before the TLS handshake")
            buffer.removeAll()
        }
        let session = try TLSSession(fd: fd, host: host, caFile: options.caFile, logger: logger)
        try session.handshake(deadline: Deadline(after: options.ioTimeout), host: host)
        tls = session
        logger.debug("TLS established", metadata: ["host": "\(host)"])
    }

    func readLine(maxBytes: Int) throws(ConnectorError) -> [UInt8] {
        while true {
            if let line = try LineSplitter.takeLine(from: &buffer, maxBytes: maxBytes) { return line }
            try fill()
        }
    }

    func readBytes(_ count: Int) throws(ConnectorError) -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[..<count])
        buffer.removeSubrange(..<count)
        return bytes
    }

    /// Sends all of `bytes` (which may be a secret: nothing is copied or logged here).
    func write(_ bytes: UnsafeRawBufferPointer) throws(ConnectorError) {
        guard fd >= 0 else { throw .notConnected }
        let deadline = Deadline(after: options.ioTimeout)
        if let tls {
            try tls.write(bytes, deadline: deadline)
        } else {
            var offset = 0
            while offset < bytes.count {
                let sent = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent > 0 { offset += sent; continue }
                if sent < 0 && (errno == EAGAIN || errno == EINTR) {
                    guard deadline.wait(fd: fd, for: Int16(POLLOUT)) else { throw .writeTimedOut }
                    continue
                }
                throw .connectionClosed
            }
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Sends a non-secret byte array.
    func write(_ bytes: [UInt8]) throws(ConnectorError) {
        // Array's closure APIs rethrow untyped errors; Result carries the typed one across.
        try bytes.withUnsafeBytes { raw in Result { () throws(ConnectorError) in try write(raw) } }.get()
    }

    /// Closes the socket (sending TLS close_notify first). Safe to call twice.
    func close() {
        guard fd >= 0 else { return }
        tls?.shutdown()
        tls = nil
        Glibc.close(fd)
        fd = -1
    }

    private func fill(deadline: Deadline? = nil) throws(ConnectorError) {
        guard fd >= 0 else { throw .notConnected }
        let deadline = deadline ?? Deadline(after: options.ioTimeout)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = try chunk.withUnsafeMutableBytes { raw in
            Result { () throws(ConnectorError) -> Int in try receive(into: raw, deadline: deadline) }
        }.get()
        buffer.append(contentsOf: chunk[..<count])
        bytesRead += Int64(count)
    }

    private func receive(into raw: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(ConnectorError) -> Int {
        if let tls { return try tls.read(into: raw, deadline: deadline) }
        while true {
            let received = recv(fd, raw.baseAddress, raw.count, 0)
            if received > 0 { return received }
            if received == 0 { throw .connectionClosed }
            guard errno == EAGAIN || errno == EINTR else { throw .connectionClosed }
            guard deadline.wait(fd: fd, for: Int16(POLLIN)) else { throw .readTimedOut }
        }
    }
}
