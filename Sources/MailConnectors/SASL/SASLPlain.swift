internal import VaultCrypto

/// The SASL PLAIN message (RFC 4616): `authzid NUL authcid NUL passwd`, with an empty authzid.
enum SASLPlain {
    /// `\0username\0password` in guarded memory (not yet base64-encoded).
    static func message(username: String, password: borrowing SecureBytes) throws -> SecureBytes {
        let user = Array(username.utf8)
        guard !user.contains(0) else { throw ConnectorError.invalidArgument("the user name contains a NUL byte") }
        let passwordHasNUL = password.withUnsafeBytes { $0.contains(0) }
        guard !passwordHasNUL else {
            throw ConnectorError.invalidArgument("the app password contains a NUL byte, which SASL PLAIN cannot carry")
        }
        return try SecretLine.raw(prefix: [0] + user + [0], password, suffix: [])
    }
}
