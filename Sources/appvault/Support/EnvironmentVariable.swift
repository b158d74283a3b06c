import Glibc

/// The settings the command line reads from its environment.
enum EnvironmentVariable {
    /// The value of `name` when it is set and not empty. Read with `getenv`: building
    /// `ProcessInfo`'s whole dictionary is a measurable part of a short command's start-up.
    static func nonEmpty(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
