internal import VaultCrypto

/// Decoding a SASL PLAIN response (RFC 4616) from its base64 form: `authzid NUL authcid NUL
/// passwd`. The authcid names the account; the password part goes straight to guarded memory.
enum SASLPlainResponse {
    /// Why a response was refused.
    enum Refusal: Error {
        /// Not base64, or not three NUL-separated parts.
        case malformed
        /// An authorization identity other than the authentication identity: acting as someone
        /// else is not supported.
        case foreignAuthorizationIdentity
        /// No guarded memory could be had for the credential.
        case memory(CryptoError)
    }

    /// The login in the base64 `text`.
    static func decode(_ text: ArraySlice<UInt8>) throws(Refusal) -> LoginAttempt {
        let decoded: SecureBytes
        do {
            decoded = try SecretBase64.decode(text)
        } catch {
            switch error {
            case .invalid: throw .malformed
            case .memory(let error): throw .memory(error)
            }
        }
        let bounds = decoded.withUnsafeBytes { raw -> (account: [UInt8], authorization: [UInt8], passwordStart: Int)? in
            guard let first = raw.firstIndex(of: 0),
                  let second = raw[(first + 1)...].firstIndex(of: 0) else { return nil }
            return (Array(raw[(first + 1)..<second]), Array(raw[..<first]), second + 1)
        }
        guard let bounds, !bounds.account.isEmpty else { throw .malformed }
        guard bounds.authorization.isEmpty || bounds.authorization == bounds.account else {
            throw .foreignAuthorizationIdentity
        }
        return LoginAttempt(account: String(decoding: bounds.account, as: UTF8.self),
                            credential: decoded.droppingFirst(bounds.passwordStart))
    }
}
