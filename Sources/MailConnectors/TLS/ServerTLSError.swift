/// Why local TLS (the agent's endpoints serving TLS to local clients) could not be set up or
/// negotiated.
package enum ServerTLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The certificate file cannot be read as a PEM certificate chain. Check `--local-cert`:
    /// the path, its permissions, and that it holds `-----BEGIN CERTIFICATE-----` blocks.
    case certificateUnreadable(path: String, reason: String)
    /// The private key file cannot be read as a PEM private key (or it is encrypted). Check
    /// `--local-key`; the key must not have a passphrase.
    case keyUnreadable(path: String, reason: String)
    /// The private key does not belong to the certificate. Pass the key made with this certificate.
    case keyMismatch
    /// OpenSSL could not set up a TLS context; the text is its reason.
    case setupFailed(String)
    /// The client's TLS handshake failed (it may not speak TLS, or offers nothing newer than
    /// TLS 1.2); the text is OpenSSL's reason. Configure the client for TLS 1.2 or newer.
    case handshakeFailed(String)
    /// The client did not finish the TLS handshake in time.
    case handshakeTimedOut

    package var description: String {
        switch self {
        case .certificateUnreadable(let path, let reason):
            "cannot read the local TLS certificate \(path): \(reason)"
        case .keyUnreadable(let path, let reason):
            "cannot read the local TLS private key \(path) (it must be an unencrypted PEM key): \(reason)"
        case .keyMismatch:
            "the local TLS private key does not match the certificate"
        case .setupFailed(let reason):
            "cannot set up local TLS: \(reason)"
        case .handshakeFailed(let reason):
            "a local client's TLS handshake failed: \(reason)"
        case .handshakeTimedOut:
            "a local client did not finish its TLS handshake in time"
        }
    }
}
