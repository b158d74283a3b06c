/// The literal announcement that may end an IMAP line: `{n}` (synchronizing: the client waits
/// for `+`), `{n+}` (non-synchronizing, RFC 7888) or `~{n}` (literal8, RFC 3516). Shared by the
/// pre-login parser and the relay's stream framing.
struct IMAPLiteral: Equatable {
    /// The announced byte count; `Int.max` for a count too long to represent (never satisfiable).
    var count: Int
    /// Whether the sender waits for a continuation request before sending the bytes.
    var synchronizing: Bool

    /// The literal announced at the end of `line` (without CRLF), or nil. `line` may be just the
    /// tail of a longer line, as long as it holds the whole `{...}`.
    static func announced(at line: some BidirectionalCollection<UInt8>) -> IMAPLiteral? {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var digits = line.dropLast()
        var synchronizing = true
        if digits.last == UInt8(ascii: "+") {
            digits = digits.dropLast()
            synchronizing = false
        }
        var count = 0
        var digitCount = 0
        while let last = digits.last, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last) {
            digits = digits.dropLast()
            digitCount += 1
        }
        guard digitCount > 0, digits.last == UInt8(ascii: "{") else { return nil }
        for digit in line.dropLast(synchronizing ? 1 : 2).suffix(digitCount) {
            let (times, overflowA) = count.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflowA || overflowB { return IMAPLiteral(count: .max, synchronizing: synchronizing) }
            count = sum
        }
        return IMAPLiteral(count: count, synchronizing: synchronizing)
    }
}
