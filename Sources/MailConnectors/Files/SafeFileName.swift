#if canImport(Glibc)
internal import Glibc
#endif

/// File names from strangers (attachment names) made safe to create in a folder of your choice.
///
/// ``make(_:fallback:)`` keeps only the last path component, removes NUL, control and
/// direction-changing characters and characters other systems forbid, trims dots and spaces,
/// renames reserved device names (`CON`, `NUL`, `COM1`...), and cuts the name to 255 bytes
/// keeping its extension. ``unique(_:in:taken:)`` then picks `name (2).pdf`, `name (3).pdf`...
/// when the name is taken. Create the file with `O_EXCL` (as ``AtomicFileWriter`` does) so a
/// name taken in between is never overwritten.
public enum SafeFileName {
    /// The longest name in bytes (NAME_MAX on Linux).
    public static let maximumBytes = 255

    private static let reserved: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"]
        for number in 0...9 {
            names.insert("COM\(number)")
            names.insert("LPT\(number)")
        }
        return names
    }()

    /// A safe single file name for `name`; `fallback` (itself made safe) when nothing is left.
    public static func make(_ name: String, fallback: String = "attachment") -> String {
        let lastComponent = name.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F:
                continue  // NUL and control characters
            case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                continue  // zero-width and direction overrides ("gpj.exe" shown as "exe.jpg")
            case 0x3C, 0x3E, 0x3A, 0x22, 0x7C, 0x3F, 0x2A:
                cleaned.append("_")  // < > : " | ? * are forbidden elsewhere
            default:
                cleaned.append(scalar)
            }
        }
        var text = String(cleaned)
        while let first = text.first, first == "." || first == " " { text.removeFirst() }
        while let last = text.last, last == "." || last == " " { text.removeLast() }
        if text.isEmpty { return fallback == name ? "attachment" : make(fallback, fallback: "attachment") }
        let stem = text.split(separator: ".", maxSplits: 1).first.map { String($0).uppercased() } ?? ""
        if reserved.contains(stem.trimmingWhiteSpace()) { text = "_" + text }
        return truncated(text)
    }

    /// `name` (already made safe) if no file of that name is in `folder` and it is not in
    /// `taken`, else the first free `stem (n).ext`. The chosen name is added to `taken`
    /// (compared case-insensitively, for case-insensitive file systems).
    public static func unique(_ name: String, in folder: String, taken: inout Set<String>) -> String {
        let (stem, ext) = split(name)
        var candidate = name
        var number = 2
        while taken.contains(candidate.lowercased()) || exists(folder + "/" + candidate) {
            let suffix = " (\(number))" + ext
            candidate = truncated(stem, reserving: suffix.utf8.count) + suffix
            number += 1
        }
        taken.insert(candidate.lowercased())
        return candidate
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// `name` as stem and extension (with its dot, at most 16 bytes), or no extension.
    private static func split(_ name: String) -> (String, String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.utf8.distance(from: dot, to: name.endIndex) <= 16 else {
            return (name, "")
        }
        return (String(name[..<dot]), String(name[dot...]))
    }

    /// `text` cut to ``maximumBytes`` minus `reserving`, keeping its extension and whole characters.
    private static func truncated(_ text: String, reserving: Int = 0) -> String {
        let limit = maximumBytes - reserving
        guard text.utf8.count > limit else { return text }
        let (stem, ext) = reserving == 0 ? split(text) : (text, "")
        var kept = ""
        for character in stem {
            guard kept.utf8.count + character.utf8.count + ext.utf8.count <= limit else { break }
            kept.append(character)
        }
        return kept + ext
    }
}
