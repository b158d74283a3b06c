/// Bytes waiting to be written to one side of the relay, in order. Writes take from the front;
/// the front is never shortened except by what was written, so a TLS write retried after
/// `WANT_WRITE` always gets at least the bytes it was first given (OpenSSL's rule).
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    /// Bytes waiting.
    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
    }

    /// Forgets the first `written` bytes.
    mutating func drop(_ written: Int) {
        head += written
        if head == storage.count {
            // An idle session should not keep a burst's buffer.
            storage.removeAll(keepingCapacity: storage.capacity <= 16 * 1024)
            head = 0
        } else if head >= 32 * 1024 {
            storage.removeSubrange(..<head)
            head = 0
        }
    }

    /// Forgets everything.
    mutating func clear() { drop(count) }

    /// Calls `body` with the waiting bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
    }
}
