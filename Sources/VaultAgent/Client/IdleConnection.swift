internal import Synchronization

/// A client's open connection to the agent while no request uses it. A request takes it (or
/// connects anew when another request has it) and gives it back when its reply was read whole.
final class IdleConnection: Sendable {
    private let slot = Mutex<FrameChannel?>(nil)

    /// The open connection, if one waits; the caller owns it until ``keep(_:)``.
    func take() -> FrameChannel? {
        slot.withLock { $0.take() }
    }

    /// Keeps `channel` for the next request; when another is kept already, `channel` is closed.
    func keep(_ channel: consuming FrameChannel) {
        var spare: FrameChannel? = consume channel
        slot.withLock { kept in
            if kept == nil { swap(&kept, &spare) }
        }
    }
}
