#if canImport(Glibc)
internal import Glibc
#endif

/// Waiting for a socket with `poll` until a point in time.
enum Readiness {
    /// Waits until `descriptor` is ready for `events` or `deadline` passes; false on time-out.
    /// Errors and hang-ups count as ready: the next read or write reports them.
    static func wait(_ descriptor: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            guard left > .zero else { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let result = poll(&entry, 1, milliseconds(left))
            if result > 0 { return true }
            if result < 0 && errno != EINTR { return true }
        }
    }

    /// `duration` in whole milliseconds for `poll`, rounded up, at most a day.
    static func milliseconds(_ duration: Duration) -> Int32 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: min(seconds, 86_400) * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
