import Foundation
import Glibc

/// Reads a process's memory through /proc/PID/mem (the test is its parent, or root: the agent
/// is not dumpable), to look for secrets left behind.
public enum ProcessMemory {
    /// Why the memory could not be read at all.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How many times `needle` occurs in the readable mappings of `pid`.
    public static func occurrences(of needle: [UInt8], inProcess pid: Int32) throws -> Int {
        try search(pid: pid, for: [needle])[0]
    }

    /// How many times each needle occurs in the readable mappings of `pid`. A page that cannot be
    /// read (unmapped meanwhile by a thread of a live process) is skipped, not the rest of its mapping.
    public static func search(pid: Int32, for needles: [[UInt8]]) throws -> [Int] {
        let maps = try mappings(of: pid)
        let fd = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open /proc/\(pid)/mem (errno \(errno))") }
        defer { close(fd) }
        let overlap = (needles.map(\.count).max() ?? 1) - 1
        let chunkSize = 1 << 20
        var counts = Array(repeating: 0, count: needles.count)
        var buffer = [UInt8](repeating: 0, count: chunkSize + overlap)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("r"), !line.hasSuffix("[vvar]"), !line.hasSuffix("[vsyscall]"),
                  !line.hasSuffix("[vvar_vclock]") else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard bounds.count == 2 else { continue }
            var offset = bounds[0]
            var carried = 0
            while offset < bounds[1] {
                let want = Int(min(UInt64(chunkSize), bounds[1] - offset))
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + carried, want, Int(bitPattern: UInt(offset))) }
                guard got > 0 else {
                    let page = UInt64(4096)
                    offset = (offset / page + 1) * page
                    carried = 0
                    continue
                }
                let filled = carried + got
                for (index, needle) in needles.enumerated() {
                    counts[index] += occurrences(of: needle, in: buffer, count: filled, from: 0)
                }
                // Keep the tail so a needle across the chunk boundary is seen once.
                carried = min(overlap, filled)
                _ = buffer.withUnsafeMutableBytes { bytes in
                    memmove(bytes.baseAddress!, bytes.baseAddress! + filled - carried, carried)
                }
                // Occurrences wholly inside the kept tail were counted already; skip them next time
                // by blanking the first byte of each.
                for needle in needles where !needle.isEmpty {
                    var start = 0
                    while start + needle.count <= carried {
                        if buffer[start..<(start + needle.count)].elementsEqual(needle) { buffer[start] = ~needle[0] }
                        start += 1
                    }
                }
                offset += UInt64(got)
            }
        }
        return counts
    }

    /// /proc/PID/maps read with one large read: the kernel lists the mappings under one lock per
    /// read call, so a thread mapping or unmapping memory meanwhile cannot make a line vanish (as it
    /// can between the page-sized reads of `String(contentsOfFile:)`).
    private static func mappings(of pid: Int32) throws -> String {
        let fd = open("/proc/\(pid)/maps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open /proc/\(pid)/maps (errno \(errno))") }
        defer { close(fd) }
        var text = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw Failure(description: "cannot read /proc/\(pid)/maps (errno \(errno))") }
            if got == 0 { break }
            text += buffer[0..<got]
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func occurrences(of needle: [UInt8], in buffer: [UInt8], count: Int, from start: Int) -> Int {
        guard !needle.isEmpty, count >= needle.count else { return 0 }
        var found = 0
        buffer.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                let base = haystack.baseAddress!
                var position = start
                while position + needle.count <= count,
                      let hit = memchr(base + position, Int32(needle[0]), count - needle.count + 1 - position) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, pattern.baseAddress!, needle.count) == 0 { found += 1 }
                    position = at + 1
                }
            }
        }
        return found
    }
}
