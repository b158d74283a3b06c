/// Why a frame could not be read from or written to a socket.
enum ChannelError: Error, Equatable {
    /// The peer closed the connection (cleanly, between frames, when `betweenFrames`).
    case closed(betweenFrames: Bool)
    /// The deadline passed before a whole frame arrived or was sent.
    case timedOut
    /// The bytes are not a frame (too large, or shorter than a header).
    case invalid(ProtocolError)
    /// The socket failed.
    case system(SystemError)
}

/// One connected stream socket that carries frames, closed when the value goes away.
///
/// Reads are bounded twice: the first byte of a frame must come within `idleTimeout`, and
/// the whole frame within `frameTimeout` of that first byte, so a peer that trickles bytes
/// (slowloris) or sits idle is dropped.
struct FrameChannel: ~Copyable {
    let fd: Int32

    init(adopting fd: Int32) {
        self.fd = fd
    }

    deinit {
        Posix.close(fd)
    }

    /// Reads one frame's body into `buffer` (reset first).
    func readFrame(into buffer: inout WireBuffer, idleTimeout: Duration, frameTimeout: Duration) throws(ChannelError) {
        buffer.reset()
        var prefix: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let clock = ContinuousClock()
        var deadline = clock.now + idleTimeout
        var got = 0
        while got < WireFormat.lengthPrefixBytes {
            let count = try withUnsafeMutableBytes(of: &prefix) { (raw) throws(ChannelError) -> Int in
                try receive(into: UnsafeMutableRawBufferPointer(rebasing: raw[got...]), deadline: deadline)
            }
            if count == 0 { throw .closed(betweenFrames: got == 0) }
            if got == 0 { deadline = clock.now + frameTimeout }
            got += count
        }
        let length: Int
        do {
            length = try withUnsafeBytes(of: prefix) { (raw) throws(ProtocolError) in try FrameHeader.bodyLength(prefix: raw) }
        } catch {
            throw .invalid(error)
        }
        while buffer.count < length {
            let want = length - buffer.count
            var count = 0
            try buffer.fill { (tail) throws(ChannelError) -> Int in
                count = try receive(into: UnsafeMutableRawBufferPointer(rebasing: tail[0..<want]), deadline: deadline)
                return count
            }
            if count == 0 { throw .closed(betweenFrames: false) }
        }
    }

    /// Sends a whole frame before `timeout` passes.
    func write(_ frame: borrowing WireBuffer, timeout: Duration) throws(ChannelError) {
        let deadline = ContinuousClock().now + timeout
        try frame.withBytes { (bytes) throws(ChannelError) in
            var sent = 0
            while sent < bytes.count {
                let count: Int
                do throws(SystemError) {
                    count = try Posix.send(fd, UnsafeRawBufferPointer(rebasing: bytes[sent...]))
                } catch {
                    throw .system(error)
                }
                if count >= 0 {
                    sent += count
                } else {
                    try wait(writable: true, deadline: deadline)
                }
            }
        }
    }

    private func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant) throws(ChannelError) -> Int {
        while true {
            let count: Int
            do {
                count = try Posix.receive(fd, into: buffer)
            } catch {
                throw .system(error)
            }
            if count >= 0 { return count }
            try wait(writable: false, deadline: deadline)
        }
    }

    private func wait(writable: Bool, deadline: ContinuousClock.Instant) throws(ChannelError) {
        let left = ContinuousClock().now.duration(to: deadline)
        guard left > .zero else { throw .timedOut }
        let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
        let ready: Bool
        do {
            ready = try Posix.waitFor(fd, writable: writable, timeoutMilliseconds: milliseconds)
        } catch {
            throw .system(error)
        }
        guard ready else { throw .timedOut }
    }
}
