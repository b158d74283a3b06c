/// Where protocol parsers get their bytes: a live connection, or memory in tests.
protocol ByteSource {
    /// The next line without its CRLF (a bare LF also ends a line). Throws
    /// ``ConnectorError/protocolViolation(_:)`` if no line end comes within `maxBytes`.
    mutating func readLine(maxBytes: Int) throws(ConnectorError) -> [UInt8]
    /// Exactly `count` bytes.
    mutating func readBytes(_ count: Int) throws(ConnectorError) -> [UInt8]
}

/// Splitting buffered bytes into lines, shared by every ``ByteSource``.
enum LineSplitter {
    /// Removes and returns the first line of `buffer` (without CR LF), or nil if none is complete.
    /// Throws when `buffer` holds more than `maxBytes` without a line end.
    static func takeLine(from buffer: inout [UInt8], maxBytes: Int) throws(ConnectorError) -> [UInt8]? {
        guard let newline = buffer.firstIndex(of: 0x0A) else {
            if buffer.count > maxBytes { throw .protocolViolation("line longer than \(maxBytes) bytes") }
            return nil
        }
        guard newline <= maxBytes + 1 else { throw .protocolViolation("line longer than \(maxBytes) bytes") }
        var line = Array(buffer[..<newline])
        buffer.removeSubrange(...newline)
        if line.last == 0x0D { line.removeLast() }
        return line
    }
}
