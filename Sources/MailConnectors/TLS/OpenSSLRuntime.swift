internal import COpenSSL

/// Process-wide OpenSSL set-up for long-running, many-threaded processes (the agent).
package enum OpenSSLRuntime {
    /// Keeps OpenSSL from freeing its global state in an `atexit` handler. In a process whose
    /// session threads may still be inside OpenSSL when `main` returns (the agent shutting down
    /// with live proxied sessions), that cleanup frees memory those threads then use or free
    /// again: a crash at exit, measured with the proxy benchmark's 1,000 sessions. The
    /// operating system reclaims the memory anyway.
    ///
    /// Takes effect only if no OpenSSL function ran before; `ServerTLSContext` and
    /// `MailUpstreamConnector` call it when they are created, so an agent that sets up its proxy
    /// before other TLS work needs nothing else.
    package static func disableExitCleanup() { _ = configured }

    private static let configured: Bool = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
}
