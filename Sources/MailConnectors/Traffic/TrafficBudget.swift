/// Which way bytes travel, as the provider meters them.
public enum TrafficDirection: String, Sendable, Codable, CaseIterable {
    /// From the server to appvault (IMAP reads).
    case download
    /// From appvault to the server (SMTP sends).
    case upload
}

/// A per-account, per-day traffic allowance, provided by the caller (the vault adopts it).
///
/// Connectors call ``ensureAllowance(account:direction:bytes:)`` before they start work
/// (connecting, sending a message of known size) and ``record(account:direction:bytes:)``
/// with the bytes moved when a session closes.
public protocol TrafficBudget: Sendable {
    /// Throws if moving `bytes` more in `direction` would cross the account's limit for today.
    func ensureAllowance(account: String, direction: TrafficDirection, bytes: Int64) throws
    /// Adds `bytes` moved in `direction` to the account's count for today.
    func record(account: String, direction: TrafficDirection, bytes: Int64) throws
}
