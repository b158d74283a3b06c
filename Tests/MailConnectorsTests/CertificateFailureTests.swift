import Testing
@testable import MailConnectors

@Suite("Certificate verdicts")
struct CertificateFailureTests {
    @Test("OpenSSL verify results become errors naming the problem", arguments: [
        (0, nil),
        (10, ConnectorError.certificateExpired),              // X509_V_ERR_CERT_HAS_EXPIRED
        (9, .certificateNotYetValid),                          // X509_V_ERR_CERT_NOT_YET_VALID
        (62, .hostnameMismatch(host: "mail.example")),         // X509_V_ERR_HOSTNAME_MISMATCH
        (64, .hostnameMismatch(host: "mail.example")),         // X509_V_ERR_IP_ADDRESS_MISMATCH
        (18, .certificateUntrusted(reason: "self-signed certificate")),  // DEPTH_ZERO_SELF_SIGNED_CERT
        (19, .certificateUntrusted(reason: "self-signed certificate")),  // SELF_SIGNED_CERT_IN_CHAIN
        (20, .certificateUntrusted(reason: "issued by an unknown certificate authority")),
    ] as [(Int, ConnectorError?)])
    func mapping(code: Int, expected: ConnectorError?) {
        #expect(CertificateFailure.error(forVerifyResult: code, host: "mail.example") == expected)
    }

    @Test("other verify results keep OpenSSL's wording")
    func other() {
        // X509_V_ERR_CERT_REVOKED
        #expect(CertificateFailure.error(forVerifyResult: 23, host: "h") == .certificateUntrusted(reason: "certificate revoked"))
    }
}
