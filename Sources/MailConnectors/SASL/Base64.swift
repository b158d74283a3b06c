/// Base64 (RFC 4648) that writes into caller-provided memory, so a secret's encoding can live
/// in guarded memory instead of a `String` or `Data` that is never wiped.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The encoded length of `count` bytes, with padding.
    static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Encodes `input` into the first ``encodedCount(_:)`` bytes of `output`.
    static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= encodedCount(input.count), "base64 output too small")
        var out = 0
        var index = 0
        while index < input.count {
            let b0 = input[index]
            let b1 = index + 1 < input.count ? input[index + 1] : 0
            let b2 = index + 2 < input.count ? input[index + 2] : 0
            output[out] = alphabet[Int(b0 >> 2)]
            output[out + 1] = alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)]
            output[out + 2] = index + 1 < input.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "=")
            output[out + 3] = index + 2 < input.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "=")
            index += 3
            out += 4
        }
    }

    /// Encodes public bytes to a string.
    static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: encodedCount(bytes.count))
        bytes.withUnsafeBytes { input in output.withUnsafeMutableBytes { encode(input, into: $0) } }
        return String(decoding: output, as: UTF8.self)
    }
}
