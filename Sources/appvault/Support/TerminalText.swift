/// Escaping of text for a terminal (see ``Output/safe(_:)``).
enum TerminalText {
    /// `text` with every character a terminal would act on, or that hides or reorders text,
    /// replaced by a visible `\u{XX}` escape.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if isInert(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    private static func isInert(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\u{200D}" { return true }  // the zero-width joiner of emoji sequences
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
            return false
        default:
            return true
        }
    }
}
