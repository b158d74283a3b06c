/// What went wrong in a cryptographic operation.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Guarded memory could not be allocated or locked (`sodium_malloc`).
    /// Raise the memlock limit (`ulimit -l`) or free memory, then try again.
    case outOfSecureMemory(requested: Int)
    /// A ciphertext failed authentication: wrong key, or the data was altered.
    case authenticationFailed
    /// The password hash could not run with these parameters, usually for lack of memory.
    /// Use a lower KDF strength or free memory.
    case keyDerivationFailed
    /// An input had the wrong size for the operation.
    case invalidLength(what: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .outOfSecureMemory(let requested):
            return "could not allocate \(requested) bytes of locked memory; raise `ulimit -l` or free memory"
        case .authenticationFailed:
            return "decryption failed: wrong key, or the data was altered"
        case .keyDerivationFailed:
            return "Argon2id key derivation failed (not enough memory for the chosen strength)"
        case .invalidLength(let what, let expected, let actual):
            return "\(what) must be \(expected) bytes, got \(actual)"
        }
    }
}
