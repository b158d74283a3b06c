public import Foundation

/// Dates in mail: RFC 5322 header dates, IMAP INTERNALDATE, and IMAP search dates.
///
/// Parsed by hand rather than with DateFormatter: faster, and DateFormatter traps on some
/// non-ASCII input (found by the FuzzIMAPResponses target). Only printable ASCII is looked at.
public enum MailDate {
    /// The longest date text looked at; real dates are about 31 bytes, with a comment 45.
    static let maximumLength = 120

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses an RFC 5322 date ("Thu, 26 Nov 2026 15:17:22 +0000"; weekday, seconds and the
    /// zone optional; obsolete zone names and two-digit years accepted) or an IMAP date-time
    /// ("26-Nov-2026 15:17:22 +0000"). Nil when it is not a date.
    public static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= maximumLength, text.utf8.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 }) else {
            return nil
        }
        // Drop comments such as "(UTC)", a weekday, commas; split day-month-year on "-" too.
        var cleaned = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1; continue }
            if character == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { cleaned.append(character == "," || character == "-" && cleaned.count < 12 ? " " : character) }
        }
        var words = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = words.first, Int(first) == nil {
            words.removeFirst()  // a weekday
        }
        guard words.count >= 4, let day = Int(words[0]), (1...31).contains(day),
              let month = months.firstIndex(of: words[1].prefix(3).lowercased()), var year = Int(words[2]) else { return nil }
        if words[2].count <= 2 { year += year < 50 ? 2000 : 1900 } else if words[2].count == 3 { year += 1900 }
        let time = words[3].split(separator: ":").map { Int($0) }
        guard time.count >= 2, time.count <= 3, let hour = time[0], let minute = time[1], (0...23).contains(hour),
              (0...59).contains(minute), (1...9999).contains(year) else { return nil }
        let second = time.count == 3 ? time[2] : 0
        guard let second, (0...60).contains(second) else { return nil }
        let offset = words.count > 4 ? zoneOffset(words[4]) : 0
        guard let offset else { return nil }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `d-Mon-yyyy` of `date` in `timeZone`, as IMAP SEARCH wants it (RFC 9051 §6.4.4).
    public static func searchDate(_ date: Date, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let month = months[(parts.month ?? 1) - 1]
        return "\(parts.day ?? 1)-\(month.prefix(1).uppercased() + month.dropFirst())-\(parts.year ?? 1970)"
    }

    /// Seconds east of UTC for `+hhmm`, `-hhmm` or an RFC 5322 obsolete zone name; nil if malformed.
    private static func zoneOffset(_ zone: String) -> Int? {
        if let sign = zone.first, sign == "+" || sign == "-" {
            let digits = zone.dropFirst()
            guard digits.count == 4, let value = Int(digits) else { return nil }
            let offset = (value / 100) * 3600 + (value % 100) * 60
            return sign == "-" ? -offset : offset
        }
        switch zone.uppercased() {
        case "UT", "UTC", "GMT", "Z": return 0
        case "EST": return -5 * 3600
        case "EDT": return -4 * 3600
        case "CST": return -6 * 3600
        case "CDT": return -5 * 3600
        case "MST": return -7 * 3600
        case "MDT": return -6 * 3600
        case "PST": return -8 * 3600
        case "PDT": return -7 * 3600
        default: return 0  // military and unknown zones: RFC 5322 §4.3 says treat as +0000
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
