internal import COpenSSL
internal import Logging
#if canImport(Glibc)
internal import Glibc
#endif

/// One OpenSSL client session over a connected, non-blocking socket.
///
/// Always TLS 1.2 or newer, always `SSL_VERIFY_PEER` against the system store or the given CA
/// file, always with the host name (or IP address) checked; there is no switch to turn any of
/// that off. Owns its `SSL_CTX` and `SSL` and frees them on deinit; the socket stays the caller's.
final class TLSSession {
    private let context: OpaquePointer
    let ssl: OpaquePointer
    private let fd: Int32
    private let logger: Logger

    /// Configures a session for `host` on `fd`; call ``handshake(deadline:host:)`` next.
    init(fd: Int32, host: String, caFile: String?, logger: Logger) throws(ConnectorError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tlsFailed(OpenSSLError.drain().summary)
        }
        guard appvault_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            SSL_CTX_free(context)
            throw .tlsFailed(OpenSSLError.drain().summary)
        }
        _ = appvault_SSL_CTX_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded = caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
        guard loaded == 1 else {
            SSL_CTX_free(context)
            ERR_clear_error()
            throw .caFileUnreadable(path: caFile ?? "the system CA store")
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw .tlsFailed(OpenSSLError.drain().summary)
        }
        self.context = context
        self.ssl = ssl
        self.fd = fd
        self.logger = logger
        let name = Self.isIPAddress(host) ? nil : host
        let param = SSL_get0_param(ssl)
        X509_VERIFY_PARAM_set_hostflags(param, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        let bound: Bool
        if let name {
            bound = appvault_SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1
        } else {
            bound = X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1
        }
        guard bound, SSL_set_fd(ssl, fd) == 1 else {
            throw .tlsFailed(OpenSSLError.drain().summary)
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Runs the handshake and checks the certificate verdict, mapping failures to clear errors.
    func handshake(deadline: Deadline, host: String) throws(ConnectorError) {
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { break }
            let code = SSL_get_error(ssl, result)
            if try waitIfNeeded(code, deadline: deadline, timeout: .handshakeTimedOut) { continue }
            let queue = OpenSSLError.drain()
            logger.debug("TLS handshake failed", metadata: ["openssl": "\(queue)", "host": "\(host)"])
            if let failure = CertificateFailure.error(forVerifyResult: SSL_get_verify_result(ssl), host: host) {
                throw failure
            }
            if queue.contains(reason: SSL_R_WRONG_VERSION_NUMBER) || queue.contains(reason: SSL_R_PACKET_LENGTH_TOO_LONG) {
                throw .notTLS
            }
            if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN || queue.contains(reason: SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                throw .connectionClosed
            }
            throw .tlsFailed(queue.summary)
        }
        if let failure = CertificateFailure.error(forVerifyResult: SSL_get_verify_result(ssl), host: host) {
            throw failure
        }
    }

    /// Reads up to `buffer.count` bytes; returns how many (never 0: a closed stream throws).
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(ConnectorError) -> Int {
        while true {
            ERR_clear_error()
            var count = 0
            if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return count }
            let code = SSL_get_error(ssl, 0)
            if try waitIfNeeded(code, deadline: deadline, timeout: .readTimedOut) { continue }
            try fail(code)
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(ConnectorError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            var count = 0
            if SSL_write_ex(ssl, bytes.baseAddress! + offset, bytes.count - offset, &count) == 1 {
                offset += count
                continue
            }
            let code = SSL_get_error(ssl, 0)
            if try waitIfNeeded(code, deadline: deadline, timeout: .writeTimedOut) { continue }
            try fail(code)
        }
    }

    /// Sends close_notify without waiting for the peer's.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// For WANT_READ/WANT_WRITE, waits on the socket and returns true; false for other codes.
    private func waitIfNeeded(_ code: Int32, deadline: Deadline, timeout: ConnectorError) throws(ConnectorError) -> Bool {
        let events: Int32
        switch code {
        case SSL_ERROR_WANT_READ: events = POLLIN
        case SSL_ERROR_WANT_WRITE: events = POLLOUT
        default: return false
        }
        guard deadline.wait(fd: fd, for: Int16(events)) else { throw timeout }
        return true
    }

    private func fail(_ code: Int32) throws(ConnectorError) -> Never {
        let queue = OpenSSLError.drain()
        logger.debug("TLS read or write failed", metadata: ["openssl": "\(queue)", "code": "\(code)"])
        if code == SSL_ERROR_ZERO_RETURN || code == SSL_ERROR_SYSCALL
            || queue.contains(reason: SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            throw .connectionClosed
        }
        throw .tlsFailed(queue.summary)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }
}
