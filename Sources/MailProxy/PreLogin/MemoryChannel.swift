internal import VaultCrypto

/// A ``PreLoginChannel`` over bytes in memory: for the dialogue's unit tests and the fuzz
/// target. Reading past the input ends the dialogue with ``PreLoginEnd/closed``.
struct MemoryChannel: PreLoginChannel {
    private var input: [UInt8]
    private var position = 0
    private let maxLineBytes: Int
    /// Everything the dialogue sent.
    private(set) var output: [UInt8] = []

    /// A channel that delivers `input` and refuses lines longer than `maxLineBytes`.
    init(input: [UInt8], maxLineBytes: Int = 8192) {
        self.input = input
        self.maxLineBytes = maxLineBytes
    }

    /// The output as text, for test assertions.
    var outputText: String { String(decoding: output, as: UTF8.self) }

    mutating func readLine() throws(PreLoginEnd) -> [UInt8] {
        let end = min(input.count, position + maxLineBytes + 2)
        guard let newline = input[position..<end].firstIndex(of: 0x0A) else {
            throw end - position > maxLineBytes + 1 ? .lineTooLong : .closed
        }
        var line = Array(input[position..<newline])
        position = newline + 1
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    mutating func readBytes(_ count: Int) throws(PreLoginEnd) -> [UInt8] {
        guard count <= input.count - position else { throw .closed }
        defer { position += count }
        return Array(input[position..<(position + count)])
    }

    mutating func readSecret(_ count: Int) throws(PreLoginEnd) -> SecureBytes {
        guard count <= input.count - position else { throw .closed }
        defer { position += count }
        var secret: SecureBytes
        do { secret = try SecureBytes(zeroedCount: count) } catch { throw .failed("\(error)") }
        secret.withUnsafeMutableBytes { out in
            for (offset, byte) in input[position..<(position + count)].enumerated() { out[offset] = byte }
        }
        return secret
    }

    mutating func send(_ bytes: [UInt8]) throws(PreLoginEnd) { output += bytes }
}
