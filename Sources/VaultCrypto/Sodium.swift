internal import CSodium

/// One-time libsodium initialisation, done lazily and thread-safely by a `static let`.
enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Makes sure `sodium_init()` has run; stops the process if libsodium cannot start,
    /// because no cryptographic operation can be trusted then.
    static func ensureInitialised() {
        precondition(initialised, "libsodium failed to initialise (sodium_init)")
    }
}
