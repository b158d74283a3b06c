internal import MailConnectors
internal import VaultCrypto
#if canImport(Glibc)
internal import Glibc
#endif

/// The local client's connection during the pre-login dialogue: buffered line reading and
/// blocking writes, all bounded by one deadline, over a ``LocalStream`` (plain or TLS).
///
/// Every byte leaves the buffer through a wipe, since a line may carry a credential; what the
/// client sent after its login command (pipelined commands) is handed to the relay.
final class ClientChannel: PreLoginChannel {
    let stream: LocalStream
    /// When the dialogue must be over; farewell messages get a short extension.
    var deadline: ContinuousClock.Instant
    private let maxLineBytes: Int
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0

    init(stream: LocalStream, deadline: ContinuousClock.Instant, maxLineBytes: Int) {
        self.stream = stream
        self.deadline = deadline
        self.maxLineBytes = maxLineBytes
        storage = .allocate(byteCount: maxLineBytes + 2 + 4096, alignment: 1)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        Memory.wipe(storage)
        storage.deallocate()
    }

    func readLine() throws(PreLoginEnd) -> [UInt8] {
        var searched = start
        while true {
            if let newline = firstNewline(from: searched) {
                var line = Array(UnsafeRawBufferPointer(rebasing: storage[start..<newline]))
                consume(through: newline + 1)
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            guard end - start <= maxLineBytes + 1 else { throw .lineTooLong }
            searched = end
            try fill()
        }
    }

    func readBytes(_ count: Int) throws(PreLoginEnd) -> [UInt8] {
        try buffer(count)
        let bytes = Array(UnsafeRawBufferPointer(rebasing: storage[start..<(start + count)]))
        consume(through: start + count)
        return bytes
    }

    func readSecret(_ count: Int) throws(PreLoginEnd) -> SecureBytes {
        try buffer(count)
        var secret: SecureBytes
        do { secret = try SecureBytes(zeroedCount: count) } catch { throw .failed("\(error)") }
        let source = UnsafeRawBufferPointer(rebasing: storage[start..<(start + count)])
        secret.withUnsafeMutableBytes { $0.copyMemory(from: source) }
        consume(through: start + count)
        return secret
    }

    func send(_ bytes: [UInt8]) throws(PreLoginEnd) {
        var offset = 0
        while offset < bytes.count {
            let progress = bytes.withUnsafeBytes { stream.writeAvailable(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch progress {
            case .transferred(let count): offset += count
            case .wait(let readiness):
                guard Readiness.wait(stream.descriptor, for: readiness.pollEvents, until: deadline) else { throw .timedOut }
            case .closed: throw .closed
            case .failed(let reason): throw .failed(reason)
            }
        }
    }

    /// Takes what the client sent beyond the last command (pipelined commands), for the relay.
    func takeBuffered() -> [UInt8] {
        let bytes = Array(UnsafeRawBufferPointer(rebasing: storage[start..<end]))
        consume(through: end)
        return bytes
    }

    /// Drops buffered input: after STARTTLS, plaintext sent before the handshake must not be
    /// taken as protected commands (the injection of CVE-2011-0411, server side).
    func discardBuffered() { consume(through: end) }

    private func firstNewline(from index: Int) -> Int? {
        guard index < end else { return nil }
        let found = memchr(storage.baseAddress! + index, 0x0A, end - index)
        return found.map { storage.baseAddress!.distance(to: $0) }
    }

    /// Ensures `count` bytes are buffered (`count` is at most the line limit).
    private func buffer(_ count: Int) throws(PreLoginEnd) {
        precondition(count <= maxLineBytes + 2, "literal larger than the buffer")
        while end - start < count { try fill() }
    }

    /// Wipes and releases the buffered bytes before `index`.
    private func consume(through index: Int) {
        Memory.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[start..<index]))
        start = index
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Reads more bytes, waiting until the deadline.
    private func fill() throws(PreLoginEnd) {
        if end == storage.count {
            let count = end - start
            memmove(storage.baseAddress!, storage.baseAddress! + start, count)
            Memory.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[count..<end]))
            start = 0
            end = count
        }
        while true {
            switch stream.readAvailable(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...])) {
            case .transferred(let count):
                end += count
                return
            case .wait(let readiness):
                guard Readiness.wait(stream.descriptor, for: readiness.pollEvents, until: deadline) else { throw .timedOut }
            case .closed:
                throw .closed
            case .failed(let reason):
                throw .failed(reason)
            }
        }
    }
}
