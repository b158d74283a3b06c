internal import VaultCrypto

/// One pre-login IMAP command being parsed: its current line and a position in it. A literal
/// pulls in the command's next line. Every line is wiped when left, since it may hold a
/// credential.
final class IMAPCommandLine {
    private(set) var bytes: [UInt8]
    private(set) var index = 0

    init(_ line: [UInt8]) { bytes = line }

    deinit { Memory.wipe(&bytes) }

    var atEnd: Bool { index == bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Moves on to the command's next line (after a literal), wiping the one left.
    func replace(with line: [UInt8]) {
        Memory.wipe(&bytes)
        bytes = line
        index = 0
    }

    /// Skips `byte` if it is next.
    func skip(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        index += 1
        return true
    }

    /// The longest run of bytes from here satisfying `accept`.
    func take(while accept: (UInt8) -> Bool) -> Range<Int> {
        let start = index
        while let byte = current, accept(byte) { index += 1 }
        return start..<index
    }

    /// Moves to the end of the line.
    func skipToEnd() { index = bytes.count }

    /// The astring (atom, quoted string or literal announcement) that starts here, or nil.
    func scanAString() -> AString? {
        switch current {
        case UInt8(ascii: "\""):
            index += 1
            let start = index
            var count = 0
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return .quoted(start..<(index - 1), unescapedCount: count)
                case UInt8(ascii: "\\"):
                    index += 1
                    guard current == UInt8(ascii: "\"") || current == UInt8(ascii: "\\") else { return nil }
                case 0x00, 0x0D, 0x0A:
                    return nil
                default:
                    break
                }
                index += 1
                count += 1
            }
            return nil
        case UInt8(ascii: "{"):
            guard let literal = IMAPLiteral.announced(at: bytes[index...]),
                  bytes[index...].dropFirst().allSatisfy({ $0 != UInt8(ascii: "{") }) else { return nil }
            index = bytes.count
            return .literal(literal)
        default:
            let atom = take(while: IMAPSyntax.isAStringChar)
            return atom.isEmpty ? nil : .atom(atom)
        }
    }

    /// The public bytes of an atom or quoted string scanned from this line.
    func value(of string: AString) -> [UInt8] {
        switch string {
        case .atom(let range):
            return Array(bytes[range])
        case .quoted(let range, let count):
            var out = [UInt8]()
            out.reserveCapacity(count)
            unescape(range) { out.append($0) }
            return out
        case .literal:
            preconditionFailure("a literal's bytes come from the channel")
        }
    }

    /// An atom or quoted string scanned from this line, copied straight into guarded memory.
    func secret(of string: AString) throws(CryptoError) -> SecureBytes {
        switch string {
        case .atom(let range):
            var secret = try SecureBytes(zeroedCount: range.count)
            secret.withUnsafeMutableBytes { out in
                for (offset, byte) in bytes[range].enumerated() { out[offset] = byte }
            }
            return secret
        case .quoted(let range, let count):
            var secret = try SecureBytes(zeroedCount: count)
            secret.withUnsafeMutableBytes { out in
                var position = 0
                unescape(range) { out[position] = $0; position += 1 }
            }
            return secret
        case .literal:
            preconditionFailure("a literal's bytes come from the channel")
        }
    }

    private func unescape(_ range: Range<Int>, _ emit: (UInt8) -> Void) {
        var escaped = false
        for byte in bytes[range] {
            if !escaped && byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            escaped = false
            emit(byte)
        }
    }
}

/// An IMAP astring as scanned: where its bytes are, or the literal that carries them.
enum AString {
    /// An atom: bytes in the line.
    case atom(Range<Int>)
    /// A quoted string: the bytes between the quotes (escapes still in) and its length unescaped.
    case quoted(Range<Int>, unescapedCount: Int)
    /// A literal announced at the end of the line; its bytes follow the line.
    case literal(IMAPLiteral)
}

/// IMAP's character classes (RFC 9051 §9).
enum IMAPSyntax {
    /// ATOM-CHAR or `]`: any 7-bit printable except `(){ %*"\`.
    static func isAStringChar(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        return !"(){%*\"\\".utf8.contains(byte)
    }

    /// A tag character: an astring character other than `+`.
    static func isTagChar(_ byte: UInt8) -> Bool { isAStringChar(byte) && byte != UInt8(ascii: "+") }
}
