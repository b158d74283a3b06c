internal import VaultCrypto

/// A fixed-capacity byte buffer for frames that may hold a secret.
///
/// It never grows or moves (so no stale copy is left in freed memory) and is overwritten
/// with zeros when it is reset or destroyed. Encoders return one; send its bytes, then let it go.
public struct WireBuffer: ~Copyable {
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes written so far.
    public private(set) var count = 0

    /// Allocates a zeroed buffer that holds up to `capacity` bytes.
    public init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        Memory.wipe(storage)
        storage.deallocate()
    }

    /// Bytes not yet written.
    public var remainingCapacity: Int { storage.count - count }

    /// Zeroes what was written and starts over.
    public mutating func reset() {
        Memory.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        count = 0
    }

    /// Calls `body` with the written bytes.
    public func withBytes<Result: ~Copyable, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Lets `body` write into the unused tail and counts the bytes it reports written.
    public mutating func fill<Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int
    ) throws(Failure) {
        let written = try body(UnsafeMutableRawBufferPointer(rebasing: storage[count...]))
        precondition(written >= 0 && written <= remainingCapacity, "fill reported impossible count")
        count += written
    }

    /// Zeroes and drops the bytes from `newCount` on (undoes a partial write).
    public mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "truncate out of bounds")
        Memory.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[newCount..<count]))
        count = newCount
    }

    /// Appends raw bytes; the caller has checked they fit.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= remainingCapacity, "WireBuffer overflow")
        if let source = bytes.baseAddress, bytes.count > 0 {
            (storage.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        precondition(remainingCapacity >= 1, "WireBuffer overflow")
        storage[count] = byte
        count += 1
    }

    /// Overwrites 4 bytes at `offset` with `value`, big-endian (for a length prefix).
    public mutating func patch(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "patch out of bounds")
        withUnsafeBytes(of: value.bigEndian) { source in
            (storage.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: 4)
        }
    }
}
