import Foundation

/// Times as stored (Unix seconds, REAL) and as hashed (milliseconds, 64-bit), converted without
/// trapping: a doctored file can hold NaN or 1e300 where a time belongs.
enum StoredTime {
    /// The widest time accepted: about ±3 000 years around 1970.
    static let limitSeconds = 1e11

    /// Milliseconds for `seconds`, or nil when it is not a plausible time.
    static func milliseconds(_ seconds: Double) -> Int64? {
        guard seconds.isFinite, abs(seconds) < limitSeconds else { return nil }
        return Int64((seconds * 1000).rounded())
    }
}
