import Testing
@testable import MailProxy

/// Back-off for peers that keep failing, with injected time.
@Suite("Failed-login rate limit")
struct RateLimitTests {
    let policy = RateLimitPolicy(allowedFailures: 2, firstBackOff: .seconds(10), maxBackOff: .seconds(35),
                                 forgetAfter: .seconds(600), maxPeers: 3)

    @Test("back-off starts after the allowed failures and doubles up to the maximum")
    func backOff() {
        let limiter = FailedLoginLimiter(policy: policy)
        let start = ContinuousClock.now
        #expect(limiter.recordFailure("uid 1", now: start) == nil)
        #expect(limiter.recordFailure("uid 1", now: start) == nil)
        #expect(limiter.retryAfter("uid 1", now: start) == nil)
        #expect(limiter.recordFailure("uid 1", now: start) == 10)
        #expect(limiter.retryAfter("uid 1", now: start + .seconds(4)) == 6)
        #expect(limiter.retryAfter("uid 1", now: start + .seconds(10)) == nil)
        #expect(limiter.recordFailure("uid 1", now: start + .seconds(10)) == 20)
        #expect(limiter.recordFailure("uid 1", now: start + .seconds(30)) == 35)
        #expect(limiter.recordFailure("uid 1", now: start + .seconds(65)) == 35)
    }

    @Test("one peer's failures never slow another peer")
    func otherPeers() {
        let limiter = FailedLoginLimiter(policy: policy)
        let now = ContinuousClock.now
        for _ in 0..<5 { limiter.recordFailure("uid 1", now: now) }
        #expect(limiter.retryAfter("uid 1", now: now) != nil)
        #expect(limiter.retryAfter("uid 2", now: now) == nil)
    }

    @Test("failures are forgotten after the quiet time and on success")
    func forgetting() {
        let limiter = FailedLoginLimiter(policy: policy)
        let now = ContinuousClock.now
        for _ in 0..<3 { limiter.recordFailure("a", now: now) }
        #expect(limiter.retryAfter("a", now: now + .seconds(601)) == nil)
        #expect(limiter.recordFailure("a", now: now + .seconds(602)) == nil)
        for _ in 0..<3 { limiter.recordFailure("b", now: now) }
        limiter.recordSuccess("b")
        #expect(limiter.retryAfter("b", now: now) == nil)
    }

    @Test("memory is bounded: the stalest peer is dropped")
    func bounded() {
        let limiter = FailedLoginLimiter(policy: policy)
        let now = ContinuousClock.now
        for _ in 0..<3 { limiter.recordFailure("oldest", now: now) }
        for (offset, key) in ["p1", "p2", "p3"].enumerated() { limiter.recordFailure(key, now: now + .seconds(offset + 1)) }
        #expect(limiter.retryAfter("oldest", now: now + .seconds(5)) == nil)
    }
}
