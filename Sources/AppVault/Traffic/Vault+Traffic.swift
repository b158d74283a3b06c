import Foundation
import VaultCrypto

/// Bytes an account moved on one UTC day, against its provider's limits.
public struct TrafficUsage: Sendable, Codable, Equatable {
    /// The UTC day, `YYYY-MM-DD`.
    public var day: String
    /// Bytes downloaded (IMAP).
    public var bytesIn: Int64
    /// Bytes uploaded (SMTP).
    public var bytesOut: Int64
    /// The daily download limit.
    public var limitIn: Int64
    /// The daily upload limit.
    public var limitOut: Int64

    /// Creates a usage report.
    public init(day: String, bytesIn: Int64, bytesOut: Int64, limitIn: Int64, limitOut: Int64) {
        self.day = day
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.limitIn = limitIn
        self.limitOut = limitOut
    }
}

/// Which way traffic flows, for metering.
public enum TrafficDirection: String, Sendable, Codable, CaseIterable, Hashable {
    /// Downloaded from the server.
    case download
    /// Uploaded to the server.
    case upload
}

/// One account's traffic on one day, as stored (sealed).
struct StoredTraffic {
    var day: String
    var bytesIn: Int64
    var bytesOut: Int64

    /// How many days of traffic an account keeps (older days are dropped when it records more).
    static let retainedDays = 35

    static func key(account: StoredAccount, day: String, keys: borrowing KeyRing) -> [UInt8] {
        keys.index("appvault-traffic-v2", account.accountID, Array(day.utf8))
    }

    static func find(_ account: StoredAccount, day: String, in ledger: Ledger) throws(VaultError) -> StoredTraffic? {
        guard let stored = try ledger.record(.traffic, key: key(account: account, day: day, keys: ledger.keys.ring)) else { return nil }
        return try decode(stored, keys: ledger.keys.ring)
    }

    static func decode(_ stored: StoredRecord, keys: borrowing KeyRing) throws(VaultError) -> StoredTraffic {
        var reader = ByteReader(try SealedRecord.open(stored, keys: keys), what: "traffic record")
        let traffic = StoredTraffic(day: try reader.string("day"), bytesIn: try reader.int64("in"), bytesOut: try reader.int64("out"))
        try reader.finish()
        return traffic
    }

    func save(for account: StoredAccount, in ledger: Ledger) throws(VaultError) {
        var writer = ByteWriter()
        writer.append(day)
        writer.append(bytesIn)
        writer.append(bytesOut)
        let key = Self.key(account: account, day: day, keys: ledger.keys.ring)
        try ledger.put(StoredRecord(kind: .traffic, key: key, ref: account.key,
                                    body: try SealedRecord.seal(writer.bytes, kind: .traffic, key: key, keys: ledger.keys.ring)))
    }
}

extension Vault {
    /// Today's (UTC) traffic of `account`.
    public func trafficToday(account name: String) throws(VaultError) -> TrafficUsage {
        let day = Self.utcDay(clock.now())
        return try read { ledger throws(VaultError) -> TrafficUsage in
            let account = try StoredAccount.require(name, in: ledger)
            return try Self.usage(account, day: day, in: ledger)
        }
    }

    /// Today's (UTC) traffic of every account that is not revoked, by name, from one snapshot.
    public func trafficToday() throws(VaultError) -> [String: TrafficUsage] {
        let day = Self.utcDay(clock.now())
        return try read { ledger throws(VaultError) -> [String: TrafficUsage] in
            var usage = [String: TrafficUsage]()
            for stored in try ledger.records(.account, complete: false) {
                let account = try StoredAccount.decode(stored, keys: ledger.keys.ring)
                guard account.record.status != .revoked else { continue }
                usage[account.record.name] = try Self.usage(account, day: day, in: ledger)
            }
            return usage
        }
    }

    /// Refuses work that would take `account` over today's limit in `direction`.
    public func ensureAllowance(account name: String, direction: TrafficDirection, bytes: Int64) throws(VaultError) {
        let usage = try trafficToday(account: name)
        let (used, limit) = direction == .download ? (usage.bytesIn, usage.limitIn) : (usage.bytesOut, usage.limitOut)
        guard used + max(bytes, 0) <= limit else {
            throw .trafficLimit(account: name, direction: direction.rawValue, usedBytes: used, limitBytes: limit)
        }
    }

    /// Adds bytes moved by a connector or a proxied session to today's meter of `account`.
    public func recordTraffic(account name: String, bytesIn: Int64, bytesOut: Int64) throws(VaultError) {
        try recordTraffic([name: (max(bytesIn, 0), max(bytesOut, 0))])
    }

    /// Adds bytes to today's meters of several accounts in one transaction (the agent flushes
    /// its sessions' counts this way).
    package func recordTraffic(_ moved: [String: (bytesIn: Int64, bytesOut: Int64)]) throws(VaultError) {
        guard !moved.isEmpty else { return }
        let now = clock.now()
        let day = Self.utcDay(now)
        try write { ledger throws(VaultError) in
            for (name, bytes) in moved {
                guard let account = try StoredAccount.find(name, in: ledger) else { continue }
                var traffic = try StoredTraffic.find(account, day: day, in: ledger) ?? StoredTraffic(day: day, bytesIn: 0, bytesOut: 0)
                traffic.bytesIn = traffic.bytesIn.addingReportingOverflow(bytes.bytesIn).overflow ? .max : traffic.bytesIn + bytes.bytesIn
                traffic.bytesOut = traffic.bytesOut.addingReportingOverflow(bytes.bytesOut).overflow ? .max : traffic.bytesOut + bytes.bytesOut
                try traffic.save(for: account, in: ledger)
                if traffic.bytesIn == bytes.bytesIn && traffic.bytesOut == bytes.bytesOut {
                    try dropOldTraffic(of: account, before: now, in: ledger)
                }
            }
        }
    }

    /// On the first record of a day, drops days older than the retention.
    private func dropOldTraffic(of account: StoredAccount, before now: Date, in ledger: Ledger) throws(VaultError) {
        let cutoff = Self.utcDay(now.addingTimeInterval(-Double(StoredTraffic.retainedDays) * 86_400))
        for stored in try ledger.records(.traffic, ref: account.key) {
            if try StoredTraffic.decode(stored, keys: ledger.keys.ring).day < cutoff { ledger.delete(stored) }
        }
    }

    private static func usage(_ account: StoredAccount, day: String, in ledger: Ledger) throws(VaultError) -> TrafficUsage {
        let traffic = try StoredTraffic.find(account, day: day, in: ledger)
        return TrafficUsage(day: day, bytesIn: traffic?.bytesIn ?? 0, bytesOut: traffic?.bytesOut ?? 0,
                            limitIn: account.record.dailyDownloadLimitBytes, limitOut: account.record.dailyUploadLimitBytes)
    }

    static func utcDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
