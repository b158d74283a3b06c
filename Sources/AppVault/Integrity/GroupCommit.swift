import Foundation
import Synchronization

/// Runs concurrent write operations of one vault in shared store transactions (group commit).
///
/// Every change is one durable transaction, and a durable commit costs an fsync (SQLite with
/// `synchronous = FULL`) or a round trip to a replica (PostgreSQL with synchronous replication).
/// With many agent threads writing at once (login leases, session renewals, token uses) each would
/// wait for all the others' commits in turn. Instead the first thread to arrive leads: it takes
/// every operation queued so far, runs them one after another on one ledger, each between a
/// checkpoint and either success or a restore (one operation's failure undoes only its own
/// buffered changes), commits once, and wakes the others. Each operation sees every change made
/// before it; all of them land together or, if the commit fails, none does. When its own
/// operation is done the leader hands the lead to the oldest waiting operation's thread.
final class GroupCommit: Sendable {
    /// One queued operation: it runs on the leader's thread while its caller waits.
    final class Operation: @unchecked Sendable {
        // @unchecked: `failure`, `completed` and `leadNext` are written under the group's lock or
        // by the leader before it signals `wake`, and read by the caller after it wakes; `run` is
        // called by one leader only. The semaphore orders every access.
        /// Runs the operation on a ledger; returns its error (the ledger restored) or nil. Set to
        /// nil by the leader once the batch is done, before the caller wakes: the closure must not
        /// outlive the caller's call (it is a non-escaping closure made escapable for the wait).
        var run: ((Ledger) -> VaultError?)?
        var failure: VaultError?
        var completed = false
        var leadNext = false
        let wake = DispatchSemaphore(value: 0)

        init(_ run: @escaping (Ledger) -> VaultError?) { self.run = run }
    }

    private struct State {
        var queue: [Operation] = []
        var leading = false
    }

    private let state = Mutex(State())
    /// The most operations one transaction takes, so a long queue cannot hold the writer for long.
    static let maximumBatch = 64

    /// Runs `operation` in a shared transaction; `transaction` runs a batch in one store
    /// transaction and commits it. Throws the operation's own error or the commit's.
    func perform(_ operation: Operation, transaction: ([Operation]) throws(VaultError) -> Void) throws(VaultError) {
        let lead = state.withLock { state -> Bool in
            state.queue.append(operation)
            guard !state.leading else { return false }
            state.leading = true
            return true
        }
        if lead {
            self.lead(until: operation, transaction)
        } else {
            // Woken exactly once: to lead (still queued), or because a leader ran it.
            operation.wake.wait()
            if operation.leadNext {
                operation.leadNext = false
                self.lead(until: operation, transaction)
            }
        }
        if let failure = operation.failure { throw failure }
    }

    /// Runs batches until `own` is done, then hands the lead on (or gives it up).
    private func lead(until own: Operation, _ transaction: ([Operation]) throws(VaultError) -> Void) {
        while !own.completed {
            let batch = state.withLock { state -> [Operation] in
                let batch = Array(state.queue.prefix(Self.maximumBatch))
                state.queue.removeFirst(batch.count)
                return batch
            }
            do {
                try transaction(batch)
            } catch {
                for operation in batch where operation.failure == nil { operation.failure = error }
            }
            for operation in batch {
                operation.run = nil
                operation.completed = true
                if operation !== own { operation.wake.signal() }
            }
        }
        let next = state.withLock { state -> Operation? in
            guard let next = state.queue.first else {
                state.leading = false
                return nil
            }
            next.leadNext = true
            return next
        }
        next?.wake.signal()
    }
}
