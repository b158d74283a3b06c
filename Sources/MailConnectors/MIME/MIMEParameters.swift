/// Parameters of Content-Type and Content-Disposition (RFC 2045 §5.1) with RFC 2231 extensions:
/// continuations (`name*0`, `name*1*`), `charset'language'%XX` values, and the RFC 2047 words
/// many mailers put in quoted file names.
enum MIMEParameters {
    /// Most continuation segments accepted for one parameter.
    static let maximumSegments = 1000
    /// Most bytes of one decoded parameter value.
    static let maximumValueBytes = 16 * 1024

    /// A header value split into its main value and raw parameters:
    /// `text/plain; charset="utf-8"; format=flowed` gives `text/plain` and the pairs.
    /// Tolerates comments, spaces around `=`, unquoted values with specials and a missing closing quote.
    static func split(_ header: some Collection<UInt8>) -> (value: String, pairs: [(name: String, value: [UInt8])]) {
        let bytes = Array(header)
        var index = 0
        func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0D, 0x0A: index += 1
                case UInt8(ascii: "("): skipComment()
                default: return
                }
            }
        }
        func skipComment() {
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "("): depth += 1
                case UInt8(ascii: ")"): depth -= 1
                case UInt8(ascii: "\\"): index += 1
                default: break
                }
                index += 1
                if depth == 0 { return }
            }
        }
        skipSpace()
        let valueStart = index
        while index < bytes.count, ![UInt8(ascii: ";"), UInt8(ascii: "("), 0x20, 0x09, 0x0D, 0x0A].contains(bytes[index]) { index += 1 }
        let value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
        var pairs: [(name: String, value: [UInt8])] = []
        // A parameter may follow the value without its ";" (`application/pdf name="x.pdf"`).
        skipSpace()
        var missingSeparator = index < bytes.count && bytes[index] != UInt8(ascii: ";")
        while index < bytes.count {
            if !missingSeparator {
                while index < bytes.count, bytes[index] != UInt8(ascii: ";") {
                    index += 1  // junk before the next parameter
                }
                guard index < bytes.count else { break }
                index += 1
            }
            missingSeparator = false
            skipSpace()
            let nameStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ";") { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).trimmingWhiteSpace().lowercased()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skipSpace()
            var raw: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                raw = QuotedString.read(bytes, at: &index)
            } else {
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: ";"), !startsParameter(bytes, at: index) { index += 1 }
                raw = Array(String(decoding: bytes[start..<index], as: UTF8.self).trimmingWhiteSpace().utf8)
            }
            // The next parameter may follow without its ";" (RFC 2231's own example does that).
            skipSpace()
            missingSeparator = index < bytes.count && bytes[index] != UInt8(ascii: ";")
            if !name.isEmpty, raw.count <= maximumValueBytes { pairs.append((name, raw)) }
        }
        return (value, pairs)
    }

    /// Whether white space at `index` is followed by `token=` (a parameter without its ";").
    private static func startsParameter(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[index]) else { return false }
        var probe = index
        while probe < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[probe]) { probe += 1 }
        let start = probe
        while probe < bytes.count, bytes[probe] > 0x20, bytes[probe] < 0x7F,
              !"()<>@,;:\\\"/[]?=".utf8.contains(bytes[probe]) { probe += 1 }
        return probe > start && probe < bytes.count && bytes[probe] == UInt8(ascii: "=")
    }

    /// The parameters by lower-cased name, RFC 2231 and RFC 2047 decoded. An extended value
    /// (`name*`) wins over a plain one; otherwise the first occurrence wins.
    static func decode(_ pairs: [(name: String, value: [UInt8])]) -> [String: String] {
        var plain: [String: [UInt8]] = [:]
        var extended: [String: [UInt8]] = [:]
        var segments: [String: [Int: (value: [UInt8], encoded: Bool)]] = [:]
        for (rawName, value) in pairs {
            let name = rawName.lowercased()
            guard let star = name.firstIndex(of: "*") else {
                if plain[name] == nil { plain[name] = value }
                continue
            }
            let base = String(name[..<star])
            let rest = name[name.index(after: star)...]
            if rest.isEmpty {
                if extended[base] == nil { extended[base] = value }
                continue
            }
            let encoded = rest.hasSuffix("*")
            let digits = encoded ? rest.dropLast() : rest
            guard let number = Int(digits), (0..<maximumSegments).contains(number) else { continue }
            if segments[base]?[number] == nil { segments[base, default: [:]][number] = (value, encoded) }
        }
        var result: [String: String] = [:]
        for (name, value) in plain {
            let text = String(decoding: value, as: UTF8.self)
            result[name] = text.contains("=?") ? EncodedWords.decode(text) : text
        }
        for (name, parts) in segments {
            // Segments in order, up to the first gap; only starred ones are percent-encoded, and
            // the charset comes from segment 0.
            var bytes: [UInt8] = []
            var charset: String?
            var number = 0
            while let part = parts[number], bytes.count <= maximumValueBytes {
                var value = part.value[...]
                if number == 0, part.encoded {
                    let fields = value.split(separator: UInt8(ascii: "'"), maxSplits: 2, omittingEmptySubsequences: false)
                    if fields.count == 3 {
                        charset = String(decoding: fields[0], as: UTF8.self)
                        value = fields[2]
                    }
                }
                bytes += part.encoded ? percentDecode(value) : Array(value)
                number += 1
            }
            if number > 0 { result[name] = text(bytes, charset: charset) }
        }
        for (name, value) in extended {
            let fields = value.split(separator: UInt8(ascii: "'"), maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 {
                result[name] = text(percentDecode(fields[2]), charset: String(decoding: fields[0], as: UTF8.self))
            } else {
                result[name] = text(percentDecode(value[...]), charset: nil)
            }
        }
        return result
    }

    /// Decoded bytes in `charset` (UTF-8 when none is named); an unknown charset keeps the
    /// value as UTF-8 with replacement characters.
    private static func text(_ bytes: [UInt8], charset: String?) -> String {
        guard let charset, !charset.isEmpty else { return String(decoding: bytes, as: UTF8.self) }
        return Charset.decode(bytes, charset: charset) ?? String(decoding: bytes, as: UTF8.self)
    }

    private static func percentDecode(_ value: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var index = value.startIndex
        while index < value.endIndex {
            if value[index] == UInt8(ascii: "%"), index + 2 < value.endIndex,
               let high = Hex.value(value[index + 1]), let low = Hex.value(value[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(value[index])
                index += 1
            }
        }
        return out
    }
}
