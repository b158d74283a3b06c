public import VaultCrypto

/// Checks, normalises and generates app passwords, entirely in guarded memory.
public enum AppPassword {
    /// The longest app password accepted (bytes).
    public static let maximumBytes = 512

    /// Normalises a password as typed or piped: one trailing newline is dropped; for providers
    /// with 16-letter app passwords (Gmail's `abcd efgh ijkl mnop`) spaces are removed, letters
    /// lower-cased and exactly 16 letters required. Errors never include the input.
    public static func normalise(
        _ input: consuming SecureBytes, sixteenLetters: Bool
    ) throws(VaultError) -> SecureBytes {
        var length = input.count
        input.withUnsafeBytes { bytes in
            if length > 0, bytes[length - 1] == 0x0A { length -= 1 }
            if length > 0, bytes[length - 1] == 0x0D { length -= 1 }
        }
        guard length > 0 else { throw .invalidInput("the app password is empty") }
        guard length <= maximumBytes else {
            throw .invalidInput("the app password is longer than \(maximumBytes) bytes; did you pipe the wrong file?")
        }
        do {
            if sixteenLetters { return try sixteenLetterForm(input, length: length) }
            let trimmed = try input.slice(0..<length)
            try checkPrintable(trimmed)
            return trimmed
        } catch let error as VaultError {
            throw error
        } catch {
            throw .crypto(String(describing: error))
        }
    }

    private static func sixteenLetterForm(_ input: borrowing SecureBytes, length: Int) throws -> SecureBytes {
        var letters = try SecureBytes(zeroedCount: 16)
        var count = 0
        var invalid = false
        input.withUnsafeBytes { bytes in
            letters.withUnsafeMutableBytes { out in
                for index in 0..<length {
                    let byte = bytes[index]
                    switch byte {
                    case 0x20, 0x2D: continue              // spaces and dashes as Google shows them
                    case 0x61...0x7A, 0x41...0x5A:
                        if count < 16 { out[count] = byte | 0x20 }
                        count += 1
                    default: invalid = true
                    }
                }
            }
        }
        guard !invalid, count == 16 else {
            throw VaultError.invalidInput(
                "a 16-letter app password (abcd efgh ijkl mnop) was expected; the input has \(invalid ? "other characters than letters and spaces" : "\(count) letters")")
        }
        return letters
    }

    private static func checkPrintable(_ secret: borrowing SecureBytes) throws(VaultError) {
        let valid = secret.withUnsafeBytes { bytes in
            !bytes.contains { $0 < 0x20 || $0 == 0x7F } && String(validating: bytes, as: UTF8.self) != nil
        }
        guard valid else {
            throw .invalidInput("the app password holds control characters or invalid UTF-8; mail servers cannot take it")
        }
    }

    /// A new random password: 16 lower-case letters (about 75 bits) for providers that use that
    /// form, otherwise 24 characters from a 54-symbol unambiguous alphabet (about 138 bits).
    public static func generate(sixteenLetters: Bool) throws(VaultError) -> SecureBytes {
        let alphabet: [UInt8] = sixteenLetters
            ? Array("abcdefghijklmnopqrstuvwxyz".utf8)
            : Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".utf8)
        let length = sixteenLetters ? 16 : 24
        do {
            var secret = try SecureBytes(zeroedCount: length)
            secret.withUnsafeMutableBytes { out in
                for index in 0..<length {
                    out[index] = alphabet[Int(SecureRandom.uniform(UInt32(alphabet.count)))]
                }
            }
            return secret
        } catch {
            throw .crypto(error.description)
        }
    }
}

/// A secret shown exactly once, when it is created or rotated (view once).
///
/// Reading it consumes the value; its guarded memory is zeroed right after.
public struct RevealedSecret: ~Copyable {
    private let secret: SecureBytes

    init(_ secret: consuming SecureBytes) { self.secret = secret }

    /// Calls `body` once with the secret's bytes, then destroys them.
    public consuming func reveal<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try secret.withUnsafeBytes(body)
    }
}
