@testable import MailConnectors

/// A ``ByteSource`` over bytes in memory, for parser tests.
struct MemorySource: ByteSource {
    var buffer: [UInt8]

    init(_ text: String) { buffer = Array(text.utf8) }
    init(bytes: [UInt8]) { buffer = bytes }

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
