internal import Synchronization

/// Counts failed logins per peer key and answers whether a peer must wait (``RateLimitPolicy``).
///
/// Time is passed in, so tests need no sleeping. A wrong credential costs only the peer that
/// sent it: nothing here touches an account.
final class FailedLoginLimiter: Sendable {
    private struct Entry {
        var failures = 0
        var lastFailure: ContinuousClock.Instant
        var blockedUntil: ContinuousClock.Instant?
    }

    private let policy: RateLimitPolicy
    private let entries = Mutex<[String: Entry]>([:])

    init(policy: RateLimitPolicy) { self.policy = policy }

    /// Whole seconds `key` must still wait at `now` (at least 1), or nil if it may try.
    func retryAfter(_ key: String, now: ContinuousClock.Instant) -> Int? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if now - entry.lastFailure > policy.forgetAfter {
                entries[key] = nil
                return nil
            }
            guard let until = entry.blockedUntil, until > now else { return nil }
            return Self.wholeSeconds(until - now)
        }
    }

    /// Counts a failure of `key` at `now`; returns the back-off it starts in whole seconds, or nil.
    @discardableResult
    func recordFailure(_ key: String, now: ContinuousClock.Instant) -> Int? {
        entries.withLock { entries in
            var entry = entries[key] ?? Entry(lastFailure: now)
            if now - entry.lastFailure > policy.forgetAfter { entry = Entry(lastFailure: now) }
            entry.failures += 1
            entry.lastFailure = now
            var backOff: Duration?
            let excess = entry.failures - policy.allowedFailures
            if excess > 0 {
                var delay = policy.firstBackOff
                for _ in 1..<min(excess, 32) where delay < policy.maxBackOff { delay *= 2 }
                let capped = min(delay, policy.maxBackOff)
                entry.blockedUntil = now + capped
                backOff = capped
            }
            if entries[key] == nil, entries.count >= policy.maxPeers,
               let stalest = entries.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
                entries[stalest] = nil
            }
            entries[key] = entry
            return backOff.map(Self.wholeSeconds)
        }
    }

    /// A successful login: `key` holds a valid credential, its count starts over.
    func recordSuccess(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    private static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
