internal import CSodium

/// Secret bytes kept in libsodium guarded memory.
///
/// The memory comes from `sodium_malloc`: it sits between guard pages, is locked into RAM
/// (never swapped), and is overwritten with zeros and freed when the value is destroyed.
/// The value cannot be copied; read it inside ``withUnsafeBytes(_:)`` and do not let the
/// pointer escape the closure.
public struct SecureBytes: ~Copyable {
    /// What `sodium_malloc` returned, and its size: freed and zeroed whole in `deinit`.
    private let allocation: UnsafeMutableRawPointer
    private let allocatedCount: Int
    /// The readable bytes: all of the allocation, or its tail after ``droppingFirst(_:)``.
    private let base: UnsafeMutableRawPointer
    /// The number of secret bytes.
    public let count: Int

    /// Allocates `count` zeroed bytes of guarded memory.
    public init(zeroedCount count: Int) throws(CryptoError) {
        Sodium.ensureInitialised()
        precondition(count >= 0, "negative size")
        guard let memory = sodium_malloc(max(count, 1)) else {
            throw .outOfSecureMemory(requested: count)
        }
        sodium_memzero(memory, max(count, 1))
        self.init(allocation: memory, allocatedCount: max(count, 1), base: memory, count: count)
    }

    private init(allocation: UnsafeMutableRawPointer, allocatedCount: Int, base: UnsafeMutableRawPointer, count: Int) {
        self.allocation = allocation
        self.allocatedCount = allocatedCount
        self.base = base
        self.count = count
    }

    /// Copies `bytes` into new guarded memory. The caller stays responsible for wiping its source.
    public init(copying bytes: UnsafeRawBufferPointer) throws(CryptoError) {
        try self.init(zeroedCount: bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            base.copyMemory(from: source, byteCount: bytes.count)
        }
    }

    /// Copies an array into new guarded memory. Wipe the array afterwards with `Memory.wipe(_:)`
    /// if it held a secret.
    public init(copying bytes: [UInt8]) throws(CryptoError) {
        try self.init(zeroedCount: bytes.count)
        let target = base
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress { target.copyMemory(from: start, byteCount: source.count) }
        }
    }

    /// Fills new guarded memory with `count` bytes from libsodium's CSPRNG.
    public static func random(count: Int) throws(CryptoError) -> SecureBytes {
        let bytes = try SecureBytes(zeroedCount: count)
        randombytes_buf(bytes.base, count)
        return bytes
    }

    deinit {
        sodium_memzero(allocation, allocatedCount)
        sodium_free(allocation)
    }

    /// The bytes after the first `prefixCount`, in the same guarded memory: no new allocation
    /// (each costs an mmap, mprotect and mlock and their reverse). The prefix is zeroed now;
    /// the whole allocation is zeroed and freed when the result is destroyed.
    public consuming func droppingFirst(_ prefixCount: Int) -> SecureBytes {
        precondition(prefixCount >= 0 && prefixCount <= count, "prefix longer than the secret")
        sodium_memzero(base, prefixCount)
        let tail = SecureBytes(allocation: allocation, allocatedCount: allocatedCount,
                               base: base + prefixCount, count: count - prefixCount)
        discard self
        return tail
    }

    /// Calls `body` with a read-only view of the secret.
    public func withUnsafeBytes<Result: ~Copyable, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Calls `body` with a writable view of the secret.
    public mutating func withUnsafeMutableBytes<Result: ~Copyable, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// A new guarded copy of bytes `range` of this secret.
    public func slice(_ range: Range<Int>) throws(CryptoError) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of bounds")
        return try SecureBytes(copying: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// Compares two secrets in constant time (`sodium_memcmp`).
    public func constantTimeEquals(_ other: borrowing SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return other.withUnsafeBytes { sodium_memcmp(base, $0.baseAddress!, count) == 0 }
    }
}
