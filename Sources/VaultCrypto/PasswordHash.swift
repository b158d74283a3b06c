internal import CSodium

/// Argon2id cost parameters, stored in the vault so it can be reopened with the same cost.
public struct KDFParameters: Sendable, Equatable, Codable {
    /// Number of passes (`opslimit`).
    public var opsLimit: UInt64
    /// Memory in bytes (`memlimit`).
    public var memLimit: UInt64

    /// Creates parameters from explicit costs.
    public init(opsLimit: UInt64, memLimit: UInt64) {
        self.opsLimit = opsLimit
        self.memLimit = memLimit
    }
}

/// libsodium's named Argon2id strengths.
public enum KDFStrength: String, CaseIterable, Sendable {
    /// About 64 MiB and 2 passes: for a vault unlocked often on a laptop.
    case interactive
    /// About 256 MiB and 3 passes.
    case moderate
    /// About 1 GiB and 4 passes: for a vault unlocked rarely.
    case sensitive

    /// The libsodium constants for this strength.
    public var parameters: KDFParameters {
        switch self {
        case .interactive:
            KDFParameters(opsLimit: UInt64(crypto_pwhash_opslimit_interactive()),
                          memLimit: UInt64(crypto_pwhash_memlimit_interactive()))
        case .moderate:
            KDFParameters(opsLimit: UInt64(crypto_pwhash_opslimit_moderate()),
                          memLimit: UInt64(crypto_pwhash_memlimit_moderate()))
        case .sensitive:
            KDFParameters(opsLimit: UInt64(crypto_pwhash_opslimit_sensitive()),
                          memLimit: UInt64(crypto_pwhash_memlimit_sensitive()))
        }
    }
}

/// Argon2id13 password hashing (`crypto_pwhash`) into a key.
public enum PasswordHash {
    /// Salt size in bytes (16).
    public static var saltBytes: Int { Int(crypto_pwhash_saltbytes()) }
    /// The smallest accepted parameters; anything lower is refused as a downgrade.
    public static var minimum: KDFParameters {
        KDFParameters(opsLimit: UInt64(crypto_pwhash_opslimit_min()),
                      memLimit: UInt64(crypto_pwhash_memlimit_min()))
    }

    /// Derives a `length`-byte key from `passphrase` and `salt` with Argon2id.
    public static func deriveKey(
        length: Int,
        passphrase: borrowing SecureBytes,
        salt: [UInt8],
        parameters: KDFParameters
    ) throws(CryptoError) -> SecureBytes {
        Sodium.ensureInitialised()
        guard salt.count == saltBytes else {
            throw .invalidLength(what: "Argon2id salt", expected: saltBytes, actual: salt.count)
        }
        var key = try SecureBytes(zeroedCount: length)
        let status = passphrase.withUnsafeBytes { password in
            key.withUnsafeMutableBytes { out in
                salt.withUnsafeBufferPointer { saltBytes in
                    crypto_pwhash(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(length),
                        password.baseAddress!.assumingMemoryBound(to: CChar.self),
                        UInt64(password.count),
                        saltBytes.baseAddress!,
                        parameters.opsLimit, Int(parameters.memLimit),
                        crypto_pwhash_alg_argon2id13())
                }
            }
        }
        guard status == 0 else { throw .keyDerivationFailed }
        return key
    }
}
