internal import Foundation

/// Reads durations written for people: `90`, `90s`, `15m`, `2h`, `1d`; `0` or `off` mean none.
public enum DurationText {
    /// The duration `text` names, nil for `0`/`off`.
    public static func parse(_ text: String) throws(DurationTextError) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" || trimmed == "0" { return nil }
        let units: [(Character, Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        var digits = Substring(trimmed)
        var multiplier: Int64 = 1
        if let last = trimmed.last, let unit = units.first(where: { $0.0 == last }) {
            multiplier = unit.1
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = Int64(digits), count > 0,
              count <= Int64(365 * 86_400) / multiplier
        else { throw DurationTextError(text: text) }
        return .seconds(count * multiplier)
    }
}

/// A duration that could not be read. Write it like `90s`, `15m`, `2h` or `off`.
public struct DurationTextError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text given.
    public var text: String

    public var description: String {
        "'\(text)' is not a duration; write it like 90s, 15m, 2h, 1d or off"
    }
}
