/// Mailbox names in modified UTF-7 (RFC 3501 §5.1.3), the form IMAP4rev1 servers use for
/// non-ASCII names: `&` starts a run of modified base64 (`,` for `/`) of UTF-16, `-` ends it,
/// and `&-` is a literal `&`. IMAP4rev2 and UTF8=ACCEPT servers use UTF-8 as is.
public enum MailboxName {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    /// The name for people; nil if `encoded` is not valid modified UTF-7 (then show it as sent).
    public static func decode(_ encoded: String) -> String? {
        let bytes = Array(encoded.utf8)
        var output = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard (0x20...0x7E).contains(byte) else { return nil }
            guard byte == UInt8(ascii: "&") else {
                output.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            guard let end = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "-")) else { return nil }
            if end == index + 1 {
                output.append("&")
            } else {
                guard let text = decodeRun(bytes[(index + 1)..<end]) else { return nil }
                output += text
            }
            index = end + 1
        }
        return output
    }

    /// `name` in modified UTF-7, to send to an IMAP4rev1 server.
    public static func encode(_ name: String) -> String {
        var output = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            output += "&" + encodeRun(pending) + "-"
            pending = []
        }
        for scalar in name.unicodeScalars {
            if (0x20...0x7E).contains(scalar.value) {
                flush()
                output += scalar == "&" ? "&-" : String(scalar)
            } else {
                pending += Array(String(scalar).utf16)
            }
        }
        flush()
        return output
    }

    private static func decodeRun(_ run: ArraySlice<UInt8>) -> String? {
        var bits: UInt32 = 0
        var count = 0
        var units: [UInt16] = []
        for byte in run {
            guard let value = values[byte] else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 16 {
                count -= 16
                units.append(UInt16(truncatingIfNeeded: bits >> UInt32(count)))
                bits &= (1 << UInt32(count)) - 1
            }
        }
        // Leftover bits must be zero padding; a run must not encode printable ASCII.
        guard count < 6, bits == 0, !units.isEmpty,
              !units.contains(where: { (0x20...0x7E).contains($0) }) else { return nil }
        var text = ""
        for scalar in Unicode.UTF16.decode(units) {
            guard let scalar else { return nil }
            text.unicodeScalars.append(scalar)
        }
        return text
    }

    private static func encodeRun(_ units: [UInt16]) -> String {
        var bytes: [UInt8] = []
        for unit in units { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            let characters = chunk.count + 1
            for position in 0..<characters {
                output.unicodeScalars.append(Unicode.Scalar(alphabet[Int(value >> UInt32(18 - 6 * position) & 0x3F)]))
            }
            index += 3
        }
        return output
    }
}

extension Unicode.UTF16 {
    /// The scalars of `units`, nil for each ill-formed sequence.
    static func decode(_ units: [UInt16]) -> [Unicode.Scalar?] {
        var iterator = units.makeIterator()
        var decoder = Unicode.UTF16()
        var scalars: [Unicode.Scalar?] = []
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break loop
            case .error: scalars.append(nil)
            }
        }
        return scalars
    }
}
