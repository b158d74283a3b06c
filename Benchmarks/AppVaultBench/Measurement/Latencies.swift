/// A set of per-operation latencies and the statistics the report shows.
struct Latencies: Sendable {
    /// Raw samples in nanoseconds, in measurement order.
    var nanoseconds: [Double]

    var count: Int { nanoseconds.count }

    /// The `fraction` quantile (0...1) by nearest rank.
    func percentile(_ fraction: Double) -> Double {
        precondition(!nanoseconds.isEmpty, "no samples")
        let sorted = nanoseconds.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var median: Double { percentile(0.5) }
    var p99: Double { percentile(0.99) }

    /// Merges samples measured on several threads or clients.
    static func merged(_ parts: [Latencies]) -> Latencies {
        Latencies(nanoseconds: parts.flatMap(\.nanoseconds))
    }

    /// The median of the first and of the last `fraction` of the samples: shows drift during a run.
    func drift(fraction: Double = 0.1) -> (first: Double, last: Double) {
        let slice = max(1, Int(Double(count) * fraction))
        let first = Latencies(nanoseconds: Array(nanoseconds.prefix(slice))).median
        let last = Latencies(nanoseconds: Array(nanoseconds.suffix(slice))).median
        return (first, last)
    }
}
