internal import VaultCrypto

/// What a client sent to log in: the account name (public) and its credential, a token or lease
/// password in guarded memory.
struct LoginAttempt: ~Copyable {
    /// The user name given, which names the account. Client-controlled: sanitise before logging.
    let account: String
    /// The token (`avt-...`) or lease password (`avl-...`).
    let credential: SecureBytes
}
