internal import CSodium

/// libsodium's CSPRNG (`randombytes_buf`, `randombytes_uniform`).
public enum SecureRandom {
    /// `count` random bytes, for public values such as salts, nonces and identifiers.
    public static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    /// A uniformly distributed number in `0..<upperBound`, without modulo bias.
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialised()
        return randombytes_uniform(upperBound)
    }
}
