import Glibc

/// Monotonic time in nanoseconds (`clock_gettime(CLOCK_MONOTONIC)`), cheap enough to wrap one call.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Times `count` calls of `body` one by one and returns each call's latency.
func timeEach(_ count: Int, _ body: () throws -> Void) rethrows -> Latencies {
    var samples = [Double]()
    samples.reserveCapacity(count)
    for _ in 0..<count {
        let start = monotonicNanoseconds()
        try body()
        samples.append(Double(monotonicNanoseconds() - start))
    }
    return Latencies(nanoseconds: samples)
}

/// Times one call of `body`, returning its result and how long it took in nanoseconds.
func timeOnce<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = monotonicNanoseconds()
    let result = try body()
    return (result, Double(monotonicNanoseconds() - start))
}

/// Times calls of `body` one by one until `count` calls or `seconds` have passed, whichever
/// comes first (at least `minimum` calls), so slow disks bound the run time instead of the count.
func timeEach(upTo count: Int, seconds: Double, minimum: Int = 50, _ body: () throws -> Void) rethrows -> Latencies {
    var samples = [Double]()
    samples.reserveCapacity(count)
    let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while samples.count < count && (samples.count < minimum || monotonicNanoseconds() < deadline) {
        let start = monotonicNanoseconds()
        try body()
        samples.append(Double(monotonicNanoseconds() - start))
    }
    return Latencies(nanoseconds: samples)
}
