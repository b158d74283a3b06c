/// Base64 (RFC 2045 §6.8) decoding that works on chunks of any size, for message bodies streamed
/// from the server. Characters outside the alphabet (line breaks, junk) are skipped; a padding
/// sequence that completes a quantum ends the data, as in Python's `binascii.a2b_base64`.
struct Base64Decoder: TransferDecoder {
    private var accumulator: UInt32 = 0
    private var bits = 0
    private var quantum = 0
    private var padding = 0
    private var done = false

    /// The value of each byte in the alphabet, or 0xFF.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()

    /// Whether `byte` is one of the 64 base64 characters.
    static func isAlphabet(_ byte: UInt8) -> Bool { values[Int(byte)] != 0xFF }

    mutating func decode(_ chunk: ArraySlice<UInt8>, into output: inout [UInt8]) {
        guard !done else { return }
        output.reserveCapacity(output.count + chunk.count * 3 / 4 + 3)
        chunk.withUnsafeBufferPointer { buffer in
            Self.values.withUnsafeBufferPointer { values in
                for byte in buffer {
                    if byte == UInt8(ascii: "=") {
                        guard quantum >= 2 else { continue }
                        padding += 1
                        if quantum + padding >= 4 {
                            done = true
                            return
                        }
                        continue
                    }
                    let value = values[Int(byte)]
                    guard value != 0xFF else { continue }
                    accumulator = accumulator << 6 | UInt32(value)
                    bits += 6
                    quantum = (quantum + 1) & 3
                    padding = 0
                    if bits >= 8 {
                        bits -= 8
                        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                        accumulator &= (1 << UInt32(bits)) - 1
                    }
                }
            }
        }
    }

    mutating func finish(into output: inout [UInt8]) {}

    /// Decodes all of `text` at once.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8] {
        var decoder = Base64Decoder()
        var output: [UInt8] = []
        decoder.decode(ArraySlice(text), into: &output)
        return output
    }
}
