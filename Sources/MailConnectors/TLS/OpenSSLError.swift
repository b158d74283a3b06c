internal import COpenSSL

/// OpenSSL's thread-local error queue at the moment of a failure, for logs and diagnosis.
///
/// This is the C library's view; it is turned into a ``ConnectorError`` before reaching users
/// (compare swift-nio-ssl's `BoringSSLError`). It never holds secrets: OpenSSL errors name
/// functions, reasons and files.
struct OpenSSLError: Error, CustomStringConvertible {
    /// One queue entry: the packed error code and `ERR_error_string_n`'s text for it.
    struct Entry {
        let code: UInt
        let text: String
        /// The reason part of the code (`SSL_R_...`).
        var reason: Int32 { ERR_GET_REASON(code) }
    }

    let entries: [Entry]

    /// Empties the calling thread's error queue into a value.
    static func drain() -> OpenSSLError {
        var entries: [Entry] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            entries.append(Entry(code: code, text: text))
        }
        return OpenSSLError(entries: entries)
    }

    /// Whether any entry has reason `reason`.
    func contains(reason: Int32) -> Bool { entries.contains { $0.reason == reason } }

    /// The most specific reason text ("wrong version number"), or a fallback.
    var summary: String {
        guard let last = entries.last else { return "unknown TLS error" }
        return last.text.split(separator: ":").dropFirst(4).first.map(String.init) ?? last.text
    }

    var description: String {
        entries.isEmpty ? "OpenSSL: empty error queue" : "OpenSSL: " + entries.map(\.text).joined(separator: "; ")
    }
}
