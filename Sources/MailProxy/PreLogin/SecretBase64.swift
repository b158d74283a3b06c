internal import VaultCrypto

/// Base64 (RFC 4648, padded or not) decoded straight into guarded memory, for SASL responses that
/// carry a credential. Nothing of the decoded value passes through ordinary memory.
enum SecretBase64 {
    /// Why decoding failed.
    enum Failure: Error {
        /// Not base64: wrong alphabet, bad length or padding, bits after the end.
        case invalid
        /// No guarded memory for the result.
        case memory(CryptoError)
    }

    /// The decoded bytes of `text`.
    static func decode(_ text: ArraySlice<UInt8>) throws(Failure) -> SecureBytes {
        var digits = text
        while digits.last == UInt8(ascii: "=") { digits.removeLast() }
        let padding = text.count - digits.count
        guard padding <= 2, digits.count % 4 != 1 else { throw .invalid }
        guard padding == 0 || text.count % 4 == 0 else { throw .invalid }
        guard digits.allSatisfy({ value(of: $0) != nil }) else { throw .invalid }
        var output: SecureBytes
        do {
            output = try SecureBytes(zeroedCount: digits.count / 4 * 3 + max(0, digits.count % 4 - 1))
        } catch {
            throw .memory(error)
        }
        let valid = output.withUnsafeMutableBytes { out -> Bool in
            var accumulator: UInt32 = 0
            var bits = 0
            var written = 0
            for digit in digits {
                accumulator = accumulator << 6 | UInt32(value(of: digit) ?? 0)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                    written += 1
                    accumulator &= (1 << UInt32(bits)) - 1
                }
            }
            defer { accumulator = 0 }
            return accumulator == 0
        }
        guard valid else { throw .invalid }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
