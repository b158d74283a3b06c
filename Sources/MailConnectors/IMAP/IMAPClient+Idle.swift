internal import Foundation

extension IMAPClient {
    /// Waits in the open mailbox until new mail arrives, `timeout` passes, or `shouldStop`
    /// returns true (checked every ``idleCheckInterval``, so a SIGINT handler that sets a
    /// ``CancellationFlag`` stops the wait within a quarter second).
    ///
    /// Uses IDLE (RFC 2177) when the server offers it, re-issued every `refresh` (default 28
    /// minutes, under the 29 the RFC allows), and NOOP polls every 30 seconds otherwise. The
    /// session's lease is renewed while waiting. Ends IDLE with DONE, so the session is ready
    /// for the next command (or a clean ``logout()``).
    /// - Returns: ``IdleOutcome/newMail(messageCount:)`` when the mailbox grew,
    ///   ``IdleOutcome/timedOut`` or ``IdleOutcome/cancelled``.
    /// - Throws: ``ConnectorError/serverClosedSession(reason:)`` when the server said BYE,
    ///   ``ConnectorError/connectionClosed`` when the connection dropped, the lease's errors.
    public func idle(timeout: Duration, refresh: Duration = .seconds(28 * 60),
                     shouldStop: () -> Bool = { false }) throws -> IdleOutcome {
        try ensureOpen()
        guard let start = selected?.messageCount else {
            throw ConnectorError.invalidArgument("open a mailbox with select or examine first")
        }
        let deadline = ContinuousClock.now + timeout
        guard capabilities.contains("IDLE") else {
            return try closing { try pollWithNoop(since: start, until: deadline, shouldStop: shouldStop) }
        }
        return try closing {
            var tag = try beginIdle()
            var begun = ContinuousClock.now
            var outcome: IdleOutcome?
            while outcome == nil {
                let now = ContinuousClock.now
                if shouldStop() {
                    outcome = .cancelled
                } else if now >= deadline {
                    outcome = .timedOut
                } else if let count = selected?.messageCount, count > start {
                    outcome = .newMail(messageCount: count)
                } else if now - begun >= refresh {
                    try endIdle(tag: tag)
                    tag = try beginIdle()
                    begun = ContinuousClock.now
                } else {
                    try leaseKeeper?.renewIfDue()
                    if try awaitData(within: min(Self.idleCheckInterval, deadline - now)) {
                        if case .tagged(tag, let status, let text) = try readResponse() {
                            // The server ended IDLE on its own.
                            guard status == .ok else { throw ConnectorError.serverRejected(code: status.rawValue, text: text.text) }
                            tag = try beginIdle()
                            begun = ContinuousClock.now
                        }
                    }
                }
            }
            try endIdle(tag: tag)
            return outcome!
        }
    }

    /// How often a waiting IDLE checks `shouldStop`, the clock and the lease.
    public static var idleCheckInterval: Duration { .milliseconds(250) }

    /// Waits for the server to send something; a connection that closes after the server's
    /// BYE is reported with the BYE's reason (``ConnectorError/serverClosedSession(reason:)``).
    private func awaitData(within timeout: Duration) throws(ConnectorError) -> Bool {
        do {
            return try connection.awaitData(within: timeout)
        } catch .connectionClosed where byeReason != nil {
            throw .serverClosedSession(reason: byeReason ?? "")
        }
    }

    /// Sends IDLE and waits for the server's `+`.
    private func beginIdle() throws(ConnectorError) -> String {
        let tag = makeTag()
        try send(Array("\(tag) IDLE\r\n".utf8))
        _ = try awaitContinuation(tag: tag)
        return tag
    }

    /// Sends DONE and waits for IDLE's completion.
    private func endIdle(tag: String) throws(ConnectorError) {
        try send(Array("DONE\r\n".utf8))
        let (_, status, text) = try finish(tag: tag)
        guard status == .ok else { throw .serverRejected(code: status.rawValue, text: text.text) }
    }

    private func pollWithNoop(since start: Int, until deadline: ContinuousClock.Instant,
                              shouldStop: () -> Bool) throws -> IdleOutcome {
        var nextPoll = ContinuousClock.now
        while true {
            if shouldStop() { return .cancelled }
            let now = ContinuousClock.now
            if now >= nextPoll {
                try run([.text("NOOP")])
                nextPoll = now + .seconds(30)
                if let count = selected?.messageCount, count > start { return .newMail(messageCount: count) }
            }
            if now >= deadline { return .timedOut }
            try leaseKeeper?.renewIfDue()
            Thread.sleep(forTimeInterval: min(Self.idleCheckInterval, deadline - now).seconds)
        }
    }
}

/// How ``IMAPClient/idle(timeout:refresh:shouldStop:)`` ended.
public enum IdleOutcome: Sendable, Equatable {
    /// The open mailbox now has `messageCount` messages, more than when the wait began.
    case newMail(messageCount: Int)
    /// The time-out passed without new mail.
    case timedOut
    /// `shouldStop` returned true.
    case cancelled
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
