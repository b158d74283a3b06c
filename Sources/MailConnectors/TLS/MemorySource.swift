/// A ``ByteSource`` over bytes in memory: for parser tests and the fuzz targets.
package struct MemorySource: ByteSource {
    var buffer: [UInt8]

    /// Bytes from UTF-8 text.
    package init(_ text: String) { buffer = Array(text.utf8) }
    /// Raw bytes.
    package init(bytes: [UInt8]) { buffer = bytes }

    /// Whether every byte was consumed.
    package var isEmpty: Bool { buffer.isEmpty }

    mutating func readLine(maxBytes: Int) throws(ConnectorError) -> [UInt8] {
        guard let line = try LineSplitter.takeLine(from: &buffer, maxBytes: maxBytes) else {
            throw .connectionClosed
        }
        return line
    }

    mutating func readBytes(_ count: Int) throws(ConnectorError) -> [UInt8] {
        guard buffer.count >= count else { throw .connectionClosed }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }
}
