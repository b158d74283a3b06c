internal import COpenSSL

/// The server side of local TLS: a certificate chain and private key loaded once from PEM files,
/// offering TLS 1.2 and newer, used to start TLS on accepted local connections (``LocalStream``).
///
/// Loading checks everything up front (readable files, key matches certificate), so a bad
/// `--local-cert`/`--local-key` fails when the agent starts, not at the first client.
/// Renegotiation and TLS compression are off.
package final class ServerTLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is never changed after init; OpenSSL documents creating SSL objects
    // from one configured SSL_CTX on many threads as safe.
    let context: OpaquePointer

    /// Loads the PEM certificate chain at `certificatePath` (leaf first) and the unencrypted PEM
    /// private key at `keyPath`.
    package init(certificatePath: String, keyPath: String) throws(ServerTLSError) {
        // The agent may create this before anything else touches OpenSSL; see OpenSSLRuntime.
        OpenSSLRuntime.disableExitCleanup()
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .setupFailed(OpenSSLError.drain().summary)
        }
        self.context = context
        guard appvault_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw .setupFailed(OpenSSLError.drain().summary)
        }
        _ = appvault_SSL_CTX_set_server_options(context)
        _ = appvault_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                                   | SSL_MODE_RELEASE_BUFFERS))
        // A key with a passphrase must fail, not prompt on the agent's terminal.
        SSL_CTX_set_default_passwd_cb(context) { _, _, _, _ in 0 }
        guard SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1 else {
            throw .certificateUnreadable(path: certificatePath, reason: OpenSSLError.drain().summary)
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) == 1 else {
            let queue = OpenSSLError.drain()
            if queue.contains(reason: X509_R_KEY_VALUES_MISMATCH) { throw .keyMismatch }
            throw .keyUnreadable(path: keyPath, reason: queue.summary)
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            ERR_clear_error()
            throw .keyMismatch
        }
    }

    deinit { SSL_CTX_free(context) }
}
