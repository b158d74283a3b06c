import AppVault
import Foundation
import MailConnectors

/// What one `fetch` (or `inbox`) asks for, checked before anything connects.
struct FetchRequest {
    /// The mailbox as the user named it (`INBOX` in any case is `INBOX`).
    var mailbox: String
    /// The search: dates are calendar days in UTC.
    var criteria: SearchCriteria
    /// At most this many messages: the newest matches, or with ``onlyNew`` the oldest not yet fetched.
    var limit: Int?
    /// Only messages after what earlier `fetch --new` runs of this account and mailbox fetched.
    var onlyNew: Bool
    /// What a summary asks the server for.
    var items: SummaryItems

    /// Whether any search criterion was given (no criterion: the newest messages can be found
    /// by sequence number, without a search).
    var filters: Bool { criteria != SearchCriteria() }

    /// The mailbox's name as the server spells it: modified UTF-7 unless the session is UTF-8.
    func serverName(utf8: Bool) -> String { utf8 ? mailbox : MailboxName.encode(mailbox) }

    /// `text` checked as a search text (what `UID SEARCH` accepts).
    static func searchText(_ text: String?, option: String) throws(VaultError) -> String? {
        guard let text else { return nil }
        guard !text.isEmpty, text.utf8.count <= 1000, !text.utf8.contains(0) else {
            throw .invalidInput("\(option) must be 1 to 1000 bytes without NUL")
        }
        return text
    }

    /// The calendar day `YYYY-MM-DD` (UTC midnight), or bad input naming `option`.
    static func day(_ text: String?, option: String) throws(VaultError) -> Date? {
        guard let text else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), year >= 1900
        else {
            throw .invalidInput("\(option) must be a date YYYY-MM-DD, not '\(text)'")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              case let back = calendar.dateComponents([.year, .month, .day], from: date),
              back.year == year, back.month == month, back.day == day
        else {
            throw .invalidInput("\(option) \(text) is not a day of the calendar")
        }
        return date
    }

    /// `INBOX` for any spelling of it (RFC 3501 §5.1: INBOX is case-insensitive), else `name`.
    static func mailboxName(_ name: String) throws(VaultError) -> String {
        guard !name.isEmpty, name.utf8.count <= 1000, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidInput("--mailbox must be 1 to 1000 bytes without control characters")
        }
        return name.uppercased() == "INBOX" ? "INBOX" : name
    }
}
