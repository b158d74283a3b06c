internal import Synchronization

/// The proxy's live sessions: what `appvault leases` lists, and how revoking a token, a lease or
/// an account, rotating or locking ends the sessions that depend on it.
package final class SessionRegistry: Sendable {
    private let handles = Mutex<[ObjectIdentifier: SessionHandle]>([:])

    init() {}

    /// The grants of the sessions that are open now (from admission to their end).
    package func live() -> [SessionGrant] {
        handles.withLock { $0.values.map(\.grant) }
    }

    /// Ends the live sessions whose grant matches, within one second: IMAP `* BYE <reason>`,
    /// SMTP `421 4.7.0 <reason>`, each at a response boundary (or a plain close if none comes in
    /// time), then the connection is closed and the authority told. Returns at once.
    ///
    /// `matching` runs on the calling thread, without the registry's lock held.
    /// - Returns: how many sessions were asked to end.
    @discardableResult
    package func end(where matching: (SessionGrant) -> Bool, reason: String) -> Int {
        let snapshot = handles.withLock { Array($0.values) }
        let chosen = snapshot.filter { matching($0.grant) }
        for handle in chosen { handle.requestEnd(reason) }
        return chosen.count
    }

    /// Number of live sessions.
    package var count: Int { handles.withLock { $0.count } }

    func add(_ handle: SessionHandle) {
        handles.withLock { $0[ObjectIdentifier(handle)] = handle }
    }

    func remove(_ handle: SessionHandle) {
        _ = handles.withLock { $0.removeValue(forKey: ObjectIdentifier(handle)) }
    }
}
