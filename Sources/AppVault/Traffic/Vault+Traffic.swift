import Foundation
import GRDB

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
}

/// Which way traffic flows, for metering.
public enum TrafficDirection: String, Sendable, Codable, CaseIterable, Hashable {
    /// Downloaded from the server.
    case download
    /// Uploaded to the server.
    case upload
}

extension Vault {
    /// Today's (UTC) traffic of `account`.
    public func trafficToday(account name: String) throws(VaultError) -> TrafficUsage {
        let day = Self.utcDay(clock.now())
        return try database.read { db in
            let (record, _) = try AccountRows.require(name, in: db)
            return try Self.usage(record, day: day, in: db)
        }
    }

    /// Today's (UTC) traffic of every account that is not revoked, by name, from one snapshot:
    /// one query for the whole vault instead of one read per account.
    public func trafficToday() throws(VaultError) -> [String: TrafficUsage] {
        let day = Self.utcDay(clock.now())
        return try database.read { db in
            let rows = try Row.fetchAll(
                db, sql: """
                    SELECT accounts.name, accounts.daily_download_limit, accounts.daily_upload_limit,
                      traffic.bytes_in, traffic.bytes_out
                    FROM accounts LEFT JOIN traffic ON traffic.account_id = accounts.id AND traffic.day = ?
                    WHERE accounts.status != 'revoked'
                    """,
                arguments: [day])
            var usage: [String: TrafficUsage] = [:]
            for row in rows {
                usage[try row.required("name")] = TrafficUsage(
                    day: day, bytesIn: try row.optional("bytes_in") ?? 0, bytesOut: try row.optional("bytes_out") ?? 0,
                    limitIn: try row.required("daily_download_limit"), limitOut: try row.required("daily_upload_limit"))
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

    /// Adds bytes moved by a connector to today's meter of `account`.
    public func recordTraffic(account name: String, bytesIn: Int64, bytesOut: Int64) throws(VaultError) {
        let day = Self.utcDay(clock.now())
        try database.write { db in
            let (record, _) = try AccountRows.require(name, in: db)
            try db.execute(
                sql: """
                    INSERT INTO traffic (account_id, day, bytes_in, bytes_out) VALUES (?, ?, ?, ?)
                    ON CONFLICT(account_id, day) DO UPDATE SET bytes_in = bytes_in + excluded.bytes_in,
                      bytes_out = bytes_out + excluded.bytes_out
                    """,
                arguments: [record.id, day, max(bytesIn, 0), max(bytesOut, 0)])
        }
    }

    private static func usage(_ record: AccountRecord, day: String, in db: Database) throws -> TrafficUsage {
        let row = try Row.fetchOne(db, sql: "SELECT bytes_in, bytes_out FROM traffic WHERE account_id = ? AND day = ?",
                                   arguments: [record.id, day])
        return TrafficUsage(day: day, bytesIn: try row?.required("bytes_in") ?? 0, bytesOut: try row?.required("bytes_out") ?? 0,
                            limitIn: record.dailyDownloadLimitBytes, limitOut: record.dailyUploadLimitBytes)
    }

    static func utcDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
