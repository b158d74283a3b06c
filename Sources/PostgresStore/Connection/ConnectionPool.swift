import AppVault
import Dispatch
import Logging
import Synchronization

/// A few connections to one address, shared by the threads of one process (the agent serves
/// each client on its own thread).
///
/// At most `capacity` connections exist; a caller that finds them all in use waits up to
/// ``waitLimit`` and then gets ``AppVault/VaultError/busy``. A connection goes back to the
/// pool only when it is healthy and outside a transaction; a dropped one is closed, and the
/// next checkout connects again, so the pool recovers by itself when the server returns.
final class ConnectionPool: Sendable {
    /// A connection lent to one caller.
    struct Checkout {
        let connection: PostgresConnection
        /// Whether it was used before (a reused connection may have been cut while idle).
        let reused: Bool
    }

    let address: PostgresAddress
    private let idle = Mutex<[PostgresConnection]>([])
    private let permits: DispatchSemaphore
    private let reachable = Atomic<Bool>(true)
    private let logger: Logger

    /// How long a caller waits for a free connection before "busy".
    static let waitLimit: Duration = .seconds(10)

    init(address: PostgresAddress, capacity: Int, logger: Logger) {
        self.address = address
        self.logger = logger
        permits = DispatchSemaphore(value: capacity)
    }

    /// A connection for the caller's exclusive use until ``checkin(_:)``.
    func checkout() throws(VaultError) -> Checkout {
        guard permits.wait(timeout: .now() + .milliseconds(Int(Self.waitLimit.components.seconds * 1000))) == .success else {
            throw .busy
        }
        if let connection = idle.withLock({ $0.popLast() }) { return Checkout(connection: connection, reused: true) }
        do {
            let connection = try PostgresConnection.connect(address)
            if !reachable.exchange(true, ordering: .relaxed) {
                logger.notice("PostgreSQL store reachable again", metadata: ["server": "\(connection.server)"])
            }
            return Checkout(connection: connection, reused: false)
        } catch {
            permits.signal()
            if case .storeUnreachable = error, reachable.exchange(false, ordering: .relaxed) {
                logger.warning("PostgreSQL store unreachable", metadata: ["error": "\(error)"])
            }
            throw error
        }
    }

    /// Takes a connection back: kept when healthy and idle, closed otherwise.
    func checkin(_ checkout: Checkout) {
        if checkout.connection.isIdleAndHealthy { idle.withLock { $0.append(checkout.connection) } }
        permits.signal()
    }

    /// Closes every idle connection (after one of them turned out to be cut: the server
    /// restarted or failed over, so the others are cut too).
    func discardIdle() {
        idle.withLock { $0.removeAll() }
    }
}
