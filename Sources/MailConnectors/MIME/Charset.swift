#if canImport(Glibc)
internal import Glibc
#endif

/// Text in the charsets real mail uses (UTF-8, US-ASCII, ISO-8859-1..16, Windows-1250..1258,
/// KOI8-R/U, GB2312/GBK/GB18030, Big5, Shift_JIS, EUC-JP, ISO-2022-JP, EUC-KR, UTF-7, ...),
/// decoded with glibc's iconv rather than Foundation's smaller table.
///
/// Labels are matched case-insensitively, with the aliases mailers really send
/// (`ks_c_5601-1987`, `x-sjis`, `iso-8859-8-i`, `utf8`...). A label iconv does not know is
/// reported as nil, never guessed; bytes that are invalid in a known charset become U+FFFD.
public enum Charset {
    /// `bytes` decoded from `label`, or nil when the charset is unknown.
    public static func decode(_ bytes: some Collection<UInt8>, charset label: String) -> String? {
        guard let name = canonicalName(label) else { return nil }
        switch name {
        case "UTF-8", "ASCII":
            // 8-bit bytes labelled ASCII are almost always UTF-8; invalid sequences become U+FFFD.
            return String(decoding: bytes, as: UTF8.self)
        case "ISO-8859-1":
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return String(scalars)
        default:
            return convert(Array(bytes), from: name)
        }
    }

    /// Whether iconv can decode `label`.
    public static func isKnown(_ label: String) -> Bool {
        guard let name = canonicalName(label) else { return false }
        if ["UTF-8", "ASCII", "ISO-8859-1"].contains(name) { return true }
        let descriptor = iconv_open("UTF-8", name)
        guard descriptor != invalidDescriptor else { return false }
        iconv_close(descriptor)
        return true
    }

    /// The iconv name for a MIME charset label, or nil for labels that are malformed or mean
    /// "unknown" (`unknown-8bit`, `x-unknown`).
    static func canonicalName(_ label: String) -> String? {
        var trimmed = label.lowercased()
        while let first = trimmed.first, first == " " || first == "\"" || first == "'" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\"" || last == "'" { trimmed.removeLast() }
        // Only plain names reach iconv: no "//" suffixes, paths or control characters.
        guard !trimmed.isEmpty, trimmed.utf8.count <= 40,
              trimmed.utf8.allSatisfy({ isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") })
        else { return nil }
        if let alias = aliases[trimmed] { return alias.isEmpty ? nil : alias }
        return trimmed.uppercased()
    }

    /// Labels seen in mail that iconv spells differently or that need a superset. An empty
    /// value means the label says "unknown".
    private static let aliases: [String: String] = [
        "utf8": "UTF-8", "utf-8": "UTF-8", "unicode-1-1-utf-8": "UTF-8",
        "us-ascii": "ASCII", "ascii": "ASCII", "ansi_x3.4-1968": "ASCII", "us": "ASCII",
        "iso-8859-1": "ISO-8859-1", "iso8859-1": "ISO-8859-1", "latin1": "ISO-8859-1", "l1": "ISO-8859-1",
        "iso_8859-1": "ISO-8859-1",
        "iso-8859-8-i": "ISO-8859-8", "iso-8859-6-i": "ISO-8859-6",
        "ks_c_5601-1987": "CP949", "ks_c_5601": "CP949", "ks_c_5601-1989": "CP949", "korean": "CP949",
        "x-windows-949": "CP949",
        "gbk": "GBK", "x-gbk": "GBK", "cp936": "GBK", "gb_2312-80": "GB2312", "csgb2312": "GB2312",
        "chinese": "GB2312", "euc-cn": "GB2312",
        "x-sjis": "SHIFT_JIS", "sjis": "SHIFT_JIS", "ms_kanji": "SHIFT_JIS", "csshiftjis": "SHIFT_JIS",
        "windows-31j": "CP932", "x-ms-cp932": "CP932",
        "x-euc-jp": "EUC-JP", "x-x-big5": "BIG5", "big5-hkscs": "BIG5-HKSCS",
        "windows-874": "CP874", "x-mac-roman": "MACINTOSH", "macintosh": "MACINTOSH",
        "unicode-1-1-utf-7": "UTF-7", "utf-7": "UTF-7",
        "unknown-8bit": "", "x-unknown": "", "unknown": "", "x-user-defined": "", "default": "",
    ]

    private static var invalidDescriptor: iconv_t? { iconv_t(bitPattern: -1) }

    /// The replacement character U+FFFD in UTF-8.
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Runs iconv from `name` to UTF-8 over `input`, replacing invalid bytes.
    private static func convert(_ input: [UInt8], from name: String) -> String? {
        let descriptor = iconv_open("UTF-8", name)
        guard descriptor != invalidDescriptor else { return nil }
        defer { iconv_close(descriptor) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 2 + 16)
        var chunk = [UInt8](repeating: 0, count: 4096)
        var position = 0
        var finished = false
        while !finished {
            let step = input.withUnsafeBufferPointer { source in
                chunk.withUnsafeMutableBufferPointer { target in
                    var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: source.baseAddress.map { $0 + position })?
                        .assumingMemoryBound(to: CChar.self)
                    var inLeft = input.count - position
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(target.baseAddress)?.assumingMemoryBound(to: CChar.self)
                    var outLeft = target.count
                    let result = inLeft == 0
                        ? iconv(descriptor, nil, nil, &outPointer, &outLeft)   // flush a stateful encoding's shift state
                        : iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (result, errno, input.count - position - inLeft, target.count - outLeft)
                }
            }
            let (result, error, consumed, produced) = step
            output += chunk[..<produced]
            position += consumed
            if result != -1 {
                finished = position == input.count && consumed == 0
                continue
            }
            switch error {
            case E2BIG:
                continue
            case EILSEQ, EINVAL:
                // An invalid or truncated sequence: one replacement character, skip a byte.
                output += replacement
                position += 1
                if position >= input.count { finished = true }
            default:
                output += replacement
                finished = true
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
