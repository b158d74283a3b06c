internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

/// A live session as the registry sees it: its grant, and a way to end it from another thread.
///
/// Ending writes a byte to a socket pair whose other end the session's relay polls, so a kill
/// needs no time-out to be noticed (a socket pair, because its flags are set atomically: no
/// descriptor leaks into a process another thread starts meanwhile). The descriptors live as long as the handle, so a late
/// ``requestEnd(_:)`` never writes to a reused descriptor.
final class SessionHandle: Sendable {
    let grant: SessionGrant
    /// The end the relay polls.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32
    private let reason = Mutex<String?>(nil)

    /// A handle for `grant`; nil when no socket pair can be had (out of descriptors).
    init?(grant: SessionGrant) {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return nil }
        self.grant = grant
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWriter)
    }

    /// Why the session must end, once someone asked.
    var endReason: String? { reason.withLock { $0 } }

    /// Asks the session to end with `text` (the first reason wins) and wakes its relay.
    func requestEnd(_ text: String) {
        reason.withLock { if $0 == nil { $0 = text } }
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    /// Clears the wake-up after it was seen.
    func acknowledgeWake() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wakeDescriptor, &bytes, bytes.count) > 0 {}
    }
}
