internal import Synchronization

/// A flag a signal handler or another thread sets to stop a waiting call, such as
/// ``IMAPClient/idle(timeout:refresh:shouldStop:)`` (`shouldStop: flag.isSet`). Setting it is
/// lock-free, so it is safe from a signal handler.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates a flag that is not set.
    public init() {}

    /// Sets the flag.
    public func set() { flag.store(true, ordering: .releasing) }

    /// Whether the flag is set.
    public var isSet: Bool { flag.load(ordering: .acquiring) }
}
