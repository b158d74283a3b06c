public import AppVault

/// A per-account, per-day traffic allowance, provided by the caller; ``AppVault/Vault`` adopts it.
/// Directions are AppVault's `TrafficDirection`.
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

extension Vault: TrafficBudget {
    /// Adds the bytes a connector moved to today's meter of `account`.
    public func record(account: String, direction: TrafficDirection, bytes: Int64) throws {
        try recordTraffic(account: account, bytesIn: direction == .download ? bytes : 0,
                          bytesOut: direction == .upload ? bytes : 0)
    }
}
