/// Parses address header fields (From, To, Cc...; RFC 5322 §3.4): mailboxes with display names
/// in atoms, quoted strings and RFC 2047 words, angle addresses, groups, comments. Lenient, like
/// real mail readers: a malformed entry is skipped, not the whole field.
enum AddressParser {
    private enum Token: Equatable {
        case word([UInt8], quoted: Bool)
        case special(UInt8)
    }

    /// The addresses in `field`, with group members tagged with their group.
    static func parse(_ field: String) -> [MailAddress] {
        let tokens = tokenize(Array(field.utf8))
        var result: [MailAddress] = []
        var phrase: [Token] = []
        var group: String?
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            switch token {
            case .special(UInt8(ascii: "<")):
                var address: [UInt8] = []
                index += 1
                while index < tokens.count, tokens[index] != .special(UInt8(ascii: ">")) {
                    if case .word(let bytes, _) = tokens[index] { address += bytes }
                    if case .special(let byte) = tokens[index], byte == UInt8(ascii: "@") || byte == UInt8(ascii: ".") {
                        address.append(byte)
                    }
                    index += 1
                }
                let route = address.lastIndex(of: UInt8(ascii: ":")).map { address[($0 + 1)...] } ?? address[...]
                result.append(MailAddress(name: displayName(phrase), address: String(decoding: route, as: UTF8.self), group: group))
                phrase = []
                // Skip anything up to the next separator.
                while index < tokens.count, tokens[index] != .special(UInt8(ascii: ",")), tokens[index] != .special(UInt8(ascii: ";")) {
                    index += 1
                }
                continue
            case .special(UInt8(ascii: ":")) where group == nil && !phrase.contains(.special(UInt8(ascii: "@"))):
                group = displayName(phrase) ?? ""
                phrase = []
            case .special(UInt8(ascii: ",")):
                if let address = bareAddress(phrase) { result.append(MailAddress(name: nil, address: address, group: group)) }
                phrase = []
            case .special(UInt8(ascii: ";")):
                if let address = bareAddress(phrase) { result.append(MailAddress(name: nil, address: address, group: group)) }
                phrase = []
                group = nil
            default:
                phrase.append(token)
            }
            index += 1
        }
        if let address = bareAddress(phrase) { result.append(MailAddress(name: nil, address: address, group: group)) }
        return result
    }

    /// Names of the groups in `field` (including empty ones such as `undisclosed-recipients:;`).
    static func groups(_ field: String) -> [String] {
        let tokens = tokenize(Array(field.utf8))
        var names: [String] = []
        var phrase: [Token] = []
        var inAngle = false
        for token in tokens {
            switch token {
            case .special(UInt8(ascii: "<")): inAngle = true
            case .special(UInt8(ascii: ">")): inAngle = false; phrase = []
            case .special(UInt8(ascii: ":")) where !inAngle: names.append(displayName(phrase) ?? ""); phrase = []
            case .special(UInt8(ascii: ",")), .special(UInt8(ascii: ";")): phrase = []
            default: phrase.append(token)
            }
        }
        return names
    }

    /// `local@domain` written without angle brackets, or nil if `tokens` are not one.
    private static func bareAddress(_ tokens: [Token]) -> String? {
        guard !tokens.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for token in tokens {
            switch token {
            case .word(let word, _): bytes += word
            case .special(let byte): bytes.append(byte)
            }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The display name of a phrase: words joined by single spaces, RFC 2047 words decoded
    /// (also inside quotes), and the space between two encoded words dropped.
    private static func displayName(_ tokens: [Token]) -> String? {
        var words: [String] = []
        for token in tokens {
            switch token {
            case .word(let bytes, _): words.append(String(decoding: bytes, as: UTF8.self))
            case .special(let byte): words.append(String(UnicodeScalar(byte)))
            }
        }
        guard !words.isEmpty else { return nil }
        let decoded = EncodedWords.decode(words.joined(separator: " "))
        return decoded.isEmpty ? nil : decoded
    }

    /// Words, quoted strings (unescaped) and specials; comments and white space dropped.
    private static func tokenize(_ bytes: [UInt8]) -> [Token] {
        let specials: Set<UInt8> = Set("<>@,;:.[]".utf8)
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                index += 1
            case UInt8(ascii: "("):
                var depth = 0
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 } else if bytes[index] == UInt8(ascii: "(") { depth += 1 } else if bytes[index] == UInt8(ascii: ")") {
                        depth -= 1
                        if depth == 0 { index += 1; break }
                    }
                    index += 1
                }
            case UInt8(ascii: "\""):
                tokens.append(.word(QuotedString.read(bytes, at: &index), quoted: true))
            default:
                if specials.contains(byte) {
                    // Dots inside words (local parts, domains) stay in the word.
                    if byte == UInt8(ascii: "."), case .word(let previous, false)? = tokens.last,
                       index + 1 < bytes.count, !specials.contains(bytes[index + 1]), bytes[index + 1] > 0x20 {
                        tokens[tokens.count - 1] = .word(previous + [byte], quoted: false)
                        index += 1
                        continue
                    }
                    tokens.append(.special(byte))
                    index += 1
                    continue
                }
                var word: [UInt8] = []
                while index < bytes.count, bytes[index] > 0x20, !specials.contains(bytes[index]) || bytes[index] == UInt8(ascii: "."),
                      bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "(") {
                    word.append(bytes[index])
                    index += 1
                }
                if word.isEmpty { index += 1; continue }
                if case .word(let previous, false)? = tokens.last, previous.last == UInt8(ascii: ".") {
                    tokens[tokens.count - 1] = .word(previous + word, quoted: false)
                } else {
                    tokens.append(.word(word, quoted: false))
                }
            }
        }
        return tokens
    }
}
