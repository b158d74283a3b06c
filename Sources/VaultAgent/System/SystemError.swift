internal import Glibc

/// A failed system call: which call, on what, and the `errno` it set.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed (`bind`, `connect`, ...).
    public var call: String
    /// What it was called on (a path, or empty).
    public var subject: String
    /// The C `errno` value.
    public var errno: Int32

    init(_ call: String, _ subject: String = "", errno: Int32 = Glibc.errno) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        return subject.isEmpty ? "\(call): \(reason)" : "\(call) \(subject): \(reason)"
    }
}
