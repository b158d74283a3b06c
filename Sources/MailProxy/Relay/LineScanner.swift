#if canImport(Glibc)
internal import Glibc
#endif

/// Splits a byte stream into lines without copying them: remembers only the first bytes of each
/// line (to recognise `* BYE`, `tag LOGOUT`, `221`) and the last bytes before its end (to
/// recognise an IMAP literal announcement), so a 1 GB line costs nothing but `memchr`.
struct LineScanner {
    /// How many leading bytes of a line are kept.
    static let headBytes = 48
    /// How many trailing bytes of a line segment are kept: enough for `~{` 20 digits `+}` CR.
    static let tailBytes = 26

    /// The first bytes of the current line.
    private(set) var head: [UInt8] = []
    /// The last bytes of the current line segment (since its start or the last literal).
    private(set) var tail: [UInt8] = []

    /// Scans `bytes` from `offset`; returns the index of the next LF (its bytes added to the
    /// line), or nil when the rest holds none (all added).
    mutating func scan(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int? {
        let base = bytes.baseAddress!
        let found = memchr(base + offset, 0x0A, bytes.count - offset)
        let end = found.map { base.distance(to: $0) } ?? bytes.count
        if head.count < Self.headBytes {
            head += UnsafeRawBufferPointer(rebasing: bytes[offset..<min(end, offset + Self.headBytes - head.count)])
        }
        let keep = min(end - offset, Self.tailBytes)
        if keep == Self.tailBytes { tail.removeAll(keepingCapacity: true) }
        tail += UnsafeRawBufferPointer(rebasing: bytes[(end - keep)..<end])
        if tail.count > Self.tailBytes { tail.removeFirst(tail.count - Self.tailBytes) }
        return found == nil ? nil : end
    }

    /// The current line segment without a trailing CR.
    var segmentEnd: ArraySlice<UInt8> { tail.last == 0x0D ? tail.dropLast() : tail[...] }

    /// A literal's bytes follow: the line goes on after them, in a new segment.
    mutating func startSegment() { tail.removeAll(keepingCapacity: true) }

    /// The line is complete: start the next.
    mutating func startLine() {
        head.removeAll(keepingCapacity: true)
        tail.removeAll(keepingCapacity: true)
    }

    /// Whether the current line starts with `prefix`, ignoring ASCII case.
    func headStarts(with prefix: String) -> Bool {
        let expected = Array(prefix.utf8)
        guard head.count >= expected.count else { return false }
        return zip(head, expected).allSatisfy { lowercase($0) == lowercase($1) }
    }

    private func lowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
