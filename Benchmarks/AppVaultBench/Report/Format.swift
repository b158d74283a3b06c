import Foundation

/// Number formatting shared by every table.
enum Format {
    /// A latency in the unit that keeps it readable: `412 ns`, `38.2 µs`, `1.94 ms`, `3.41 s`.
    static func duration(_ nanoseconds: Double) -> String {
        switch nanoseconds {
        case ..<1_000: return String(format: "%.0f ns", nanoseconds)
        case ..<1_000_000: return String(format: "%.1f µs", nanoseconds / 1_000)
        case ..<1_000_000_000: return String(format: "%.2f ms", nanoseconds / 1_000_000)
        default: return String(format: "%.2f s", nanoseconds / 1_000_000_000)
        }
    }

    /// A ratio such as `143x` or `0.98x`.
    static func ratio(_ value: Double) -> String {
        value >= 10 ? String(format: "%.0fx", value) : String(format: "%.2fx", value)
    }

    /// Operations per second with thousands separators.
    static func rate(_ perSecond: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return (formatter.string(from: NSNumber(value: perSecond)) ?? "\(Int(perSecond))") + "/s"
    }

    static func bytes(_ count: Int) -> String {
        switch count {
        case ..<1_048_576: return String(format: "%.0f KiB", Double(count) / 1024)
        default: return String(format: "%.1f MiB", Double(count) / 1_048_576)
        }
    }

    static func count(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}
