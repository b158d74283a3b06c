/// RFC 2047 encoded-words (`=?UTF-8?B?...?=`) in header fields such as Subject.
public enum EncodedWords {
    /// Decodes every encoded-word in `text` (UTF-8, US-ASCII and ISO-8859-1; B and Q encodings).
    /// White space between two adjacent encoded-words is dropped, as RFC 2047 §6.2 says.
    /// Words that are malformed or in other charsets are left as they are.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var pendingSpace: [UInt8] = []
        var lastWasEncoded = false
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "="), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "?"),
               let (decoded, end) = decodeWord(bytes, at: index) {
                if !lastWasEncoded { output += pendingSpace }
                pendingSpace = []
                output += decoded
                lastWasEncoded = true
                index = end
                continue
            }
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A {
                pendingSpace.append(byte == 0x09 || byte == 0x20 ? byte : 0x20)
            } else {
                output += pendingSpace
                pendingSpace = []
                output.append(byte)
                lastWasEncoded = false
            }
            index += 1
        }
        output += pendingSpace
        return String(decoding: output, as: UTF8.self)
    }

    /// `text` as it may appear in a header: unchanged if printable ASCII, else a run of
    /// UTF-8 base64 encoded-words of at most 75 characters each, folded with CRLF SP.
    public static func encode(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) }) && !text.contains("=?") {
            return text
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let utf8 = Array(String(scalar).utf8)
            if chunk.count + utf8.count > 45 {  // 45 bytes -> 60 base64 characters + 12 = 72
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += utf8
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Decodes the encoded-word starting at `start` (`=?`); returns its UTF-8 and the index after it.
    private static func decodeWord(_ bytes: [UInt8], at start: Int) -> ([UInt8], Int)? {
        // =?charset?encoding?text?=  (no white space inside, at most 75 characters)
        var parts: [[UInt8]] = [[]]
        var index = start + 2
        while index < bytes.count, index - start < 76 {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 { return nil }
            if byte == UInt8(ascii: "?") {
                if parts.count == 3 {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "=") else { return nil }
                    return decodePayload(charset: parts[0], encoding: parts[1], text: parts[2]).map { ($0, index + 2) }
                }
                parts.append([])
            } else {
                parts[parts.count - 1].append(byte)
            }
            index += 1
        }
        return nil
    }

    private static func decodePayload(charset: [UInt8], encoding: [UInt8], text: [UInt8]) -> [UInt8]? {
        // A language suffix (RFC 2231: "UTF-8*en") is ignored.
        let name = String(decoding: charset, as: UTF8.self).lowercased().split(separator: "*").first.map(String.init) ?? ""
        let raw: [UInt8]?
        switch String(decoding: encoding, as: UTF8.self).uppercased() {
        case "B": raw = base64Decode(text)
        case "Q": raw = qDecode(text)
        default: raw = nil
        }
        guard let raw else { return nil }
        switch name {
        case "utf-8", "utf8", "us-ascii":
            return Array(String(decoding: raw, as: UTF8.self).utf8)
        case "iso-8859-1", "latin1":
            return Array(String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) })).utf8)
        default:
            return nil
        }
    }

    private static func qDecode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "=") {
                guard index + 2 < text.count, let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func base64Decode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
