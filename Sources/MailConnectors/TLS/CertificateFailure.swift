internal import COpenSSL

/// Turns OpenSSL's certificate verification result into a ``ConnectorError`` naming the problem.
enum CertificateFailure {
    /// The error for verification result `code` (`SSL_get_verify_result`) against `host`,
    /// or nil for `X509_V_OK`.
    static func error(forVerifyResult code: Int, host: String) -> ConnectorError? {
        switch Int32(truncatingIfNeeded: code) {
        case X509_V_OK:
            return nil
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return .certificateExpired
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return .certificateNotYetValid
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostnameMismatch(host: host)
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return .certificateUntrusted(reason: "self-signed certificate")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .certificateUntrusted(reason: "issued by an unknown certificate authority")
        default:
            let text = X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "verification error \(code)"
            return .certificateUntrusted(reason: text)
        }
    }
}
