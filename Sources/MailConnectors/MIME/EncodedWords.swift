/// RFC 2047 encoded-words (`=?UTF-8?B?...?=`) in header fields such as Subject.
public enum EncodedWords {
    /// Decodes every encoded-word in `text` (B and Q encodings, any charset ``Charset`` knows,
    /// a `charset*language` suffix ignored). White space between two adjacent encoded-words is
    /// dropped (RFC 2047 §6.2). As real mailers (and Python's `email` package) do, words are also
    /// recognised inside other text and with spaces inside; a word in an unknown charset or
    /// malformed beyond use is kept as it was sent, which marks it for the reader. Line breaks
    /// are removed (unfolding), the white space after them kept.
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") || text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var pendingSpace: [UInt8] = []
        var lastWasEncoded = false
        var searchable = true  // false once no "?=" follows: no later word can end
        var index = 0
        while index < bytes.count {
            if searchable, bytes[index] == UInt8(ascii: "="), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "?") {
                switch decodeWord(bytes, at: index) {
                case .decoded(let decoded, let end):
                    if !lastWasEncoded { output += pendingSpace }
                    pendingSpace = []
                    output += decoded
                    lastWasEncoded = true
                    index = end
                    continue
                case .noTerminator:
                    searchable = false
                case .invalid:
                    break
                }
            }
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 {
                pendingSpace.append(byte)
            } else if byte == 0x0D || byte == 0x0A {
                // Unfolding: line breaks go, the white space after them stays.
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

    private enum WordResult {
        case decoded([UInt8], end: Int)
        case invalid
        case noTerminator
    }

    /// The longest encoded-word looked at; RFC 2047 allows 75 characters, real mail a few more.
    private static let maximumWordLength = 1024

    /// Decodes the encoded-word `=?charset?encoding?text?=` starting at `start`.
    private static func decodeWord(_ bytes: [UInt8], at start: Int) -> WordResult {
        let question = UInt8(ascii: "?")
        var index = start + 2
        let limit = min(bytes.count, start + maximumWordLength)
        func field() -> ArraySlice<UInt8>? {
            let begin = index
            while index < limit, bytes[index] != question, bytes[index] != 0x20, bytes[index] != 0x09 { index += 1 }
            guard index < limit, bytes[index] == question, index > begin else { return nil }
            defer { index += 1 }
            return bytes[begin..<index]
        }
        guard let charset = field(), let encoding = field(), encoding.count == 1 else {
            return bytes[(start + 2)...].firstRange(of: [question, UInt8(ascii: "=")]) == nil ? .noTerminator : .invalid
        }
        let textStart = index
        while index + 1 < limit, !(bytes[index] == question && bytes[index + 1] == UInt8(ascii: "=")) { index += 1 }
        guard index + 1 < limit else {
            return bytes[textStart...].firstRange(of: [question, UInt8(ascii: "=")]) == nil ? .noTerminator : .invalid
        }
        let payload = bytes[textStart..<index]
        let name = String(decoding: charset, as: UTF8.self).split(separator: "*", maxSplits: 1).first.map(String.init) ?? ""
        let raw: [UInt8]
        switch encoding.first {
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            guard payload.allSatisfy({ Base64Decoder.isAlphabet($0) || $0 == UInt8(ascii: "=") }) else { return .invalid }
            raw = Base64Decoder.decode(payload)
        case UInt8(ascii: "Q"), UInt8(ascii: "q"): raw = qDecode(payload)
        default: return .invalid
        }
        guard let text = Charset.decode(raw, charset: name) else { return .invalid }
        return .decoded(Array(text.utf8), end: index + 2)
    }

    /// The Q encoding: `_` is a space, `=XX` a byte; a stray `=` stays as it is.
    private static func qDecode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "="), index + 2 < text.endIndex,
                      let high = Hex.value(text[index + 1]), let low = Hex.value(text[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}
