#if canImport(Glibc)
internal import Glibc
#endif

/// A point in time after which a blocking socket operation gives up.
struct Deadline {
    private let end: ContinuousClock.Instant

    /// The deadline `timeout` from now.
    init(after timeout: Duration) { end = .now + timeout }

    /// Milliseconds left for `poll`, at least 0.
    var remainingMilliseconds: Int32 {
        let left = end - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    /// Waits until `fd` is ready for `events` (POLLIN/POLLOUT); false when the deadline passed.
    /// Errors and hang-ups count as ready, so the next read or write reports them.
    func wait(fd: Int32, for events: Int16) -> Bool {
        while true {
            let millis = remainingMilliseconds
            if millis == 0 { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&entry, 1, millis)
            if result > 0 { return true }
            if result == 0 { continue }
            if errno != EINTR { return true }
        }
    }
}
