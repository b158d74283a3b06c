/// Quoted-printable (RFC 2045 §6.7) decoding that works on chunks of any size: `=XX` is a byte
/// (either case), `=` before a line break (after optional white space) is a soft break, and a
/// stray `=` stays as it is, as in Python's `binascii.a2b_qp`.
struct QuotedPrintableDecoder: TransferDecoder {
    /// Bytes from the end of the previous chunk that may start an escape.
    private var held: [UInt8] = []

    /// The longest `=`-plus-white-space run held back waiting for its line break.
    private static let maximumHeld = 256

    mutating func decode(_ chunk: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var bytes = held
        bytes += chunk
        held = []
        output.reserveCapacity(output.count + bytes.count)
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 2 < count, let high = Hex.value(bytes[index + 1]), let low = Hex.value(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            var probe = index + 1
            while probe < count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
            let undecided = probe == count || (bytes[probe] == 0x0D && probe + 1 == count)
                || (index + 2 == count && Hex.value(bytes[index + 1]) != nil)
            if undecided && count - index <= Self.maximumHeld {
                held = Array(bytes[index...])  // the next chunk decides
                return
            }
            if probe < count, bytes[probe] == 0x0A {
                index = probe + 1  // soft line break
            } else if probe + 1 < count, bytes[probe] == 0x0D, bytes[probe + 1] == 0x0A {
                index = probe + 2  // soft line break
            } else {
                output.append(byte)  // a stray "=" stays
                index += 1
            }
        }
    }

    mutating func finish(into output: inout [UInt8]) {
        // What is left can no longer become an escape: it stays as sent, minus a final soft break.
        let rest = held
        held = []
        if rest.dropFirst().allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        output += rest
    }

    /// Decodes all of `text` at once.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8] {
        var decoder = QuotedPrintableDecoder()
        var output: [UInt8] = []
        decoder.decode(ArraySlice(text), into: &output)
        decoder.finish(into: &output)
        return output
    }
}
