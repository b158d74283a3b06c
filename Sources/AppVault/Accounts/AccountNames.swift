/// Rules for account names and addresses.
enum AccountNames {
    static let maximumNameLength = 64
    static let maximumEmailLength = 254

    /// A name is 1-64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
    static func validate(_ name: String) throws(VaultError) {
        let scalars = Array(name.unicodeScalars)
        guard !scalars.isEmpty else { throw .invalidInput("the account name is empty") }
        guard scalars.count <= maximumNameLength else {
            throw .invalidInput("the account name is \(scalars.count) characters long; the limit is \(maximumNameLength)")
        }
        guard scalars.allSatisfy(isNameCharacter), isAlphanumeric(scalars[0]) else {
            throw .invalidInput("account name '\(printable(name))' may only hold letters, digits, '.', '_' and '-', and must start with a letter or digit")
        }
    }

    /// An address is `local@domain`, at most 254 characters, without spaces or control characters.
    static func validateEmail(_ email: String) throws(VaultError) {
        guard email.utf8.count <= maximumEmailLength else {
            throw .invalidInput("the email address is longer than \(maximumEmailLength) characters")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
              !parts[1].hasSuffix("."),
              email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"\"<>()[],;:\\".unicodeScalars.contains($0) })
        else { throw .invalidInput("'\(printable(email))' is not a valid email address (local@domain)") }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isAlphanumeric(scalar) || scalar == "." || scalar == "_" || scalar == "-"
    }

    /// Input echoed in an error, with control characters escaped and length capped.
    static func printable(_ text: String) -> String {
        let escaped = text.unicodeScalars.prefix(80).map { scalar -> String in
            scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined()
        return text.unicodeScalars.count > 80 ? escaped + "…" : escaped
    }
}
