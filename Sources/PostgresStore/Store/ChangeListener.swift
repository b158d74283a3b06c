import AppVault
import Synchronization

/// A connection that LISTENs on the vault's commit channel, to wake ``PostgresStore``'s
/// `waitForChange` as soon as any host commits. Made on first use and again after it drops.
final class ChangeListener: Sendable {
    private let address: PostgresAddress
    private let connection = Mutex<PostgresConnection?>(nil)

    init(address: PostgresAddress) { self.address = address }

    /// Makes sure a connection is listening, so no commit after this call goes unnoticed.
    func listen() throws(VaultError) {
        try connection.withLock { (current: inout PostgresConnection?) throws(VaultError) in
            if let existing = current, !existing.isBroken { return }
            current = nil
            let made = try PostgresConnection.connect(address)
            do throws(PostgresFailure) { try made.simple("LISTEN \(PostgresSchema.channel)") } catch { throw PostgresErrors.map(error, at: address.location) }
            current = made
        }
    }

    /// Waits up to `timeout` for a notification; true when one (or more) arrived. A dropped
    /// connection is forgotten (the next ``listen()`` makes a new one) and counts as a wake-up,
    /// so the caller reads the counter again instead of trusting a silent channel.
    func wait(timeout: Duration) -> Bool {
        connection.withLock { current in
            guard let listening = current else { return true }
            do {
                return try listening.awaitNotifications(timeout: timeout) > 0
            } catch {
                current = nil
                return true
            }
        }
    }
}
