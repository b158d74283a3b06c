/// One message a listing could not decode; the others were listed.
public struct MessageProblem: Sendable, Equatable, CustomStringConvertible {
    /// The message's sequence number, if the server sent one.
    public var sequenceNumber: Int?
    /// The message's UID, if it could be read.
    public var uid: UInt32?
    /// What was wrong (sanitised).
    public var reason: String
    /// Whether saving failed on this side (the file could not be created, written or flushed:
    /// disk full, permissions) rather than because of the message or the server; such a message
    /// may save on a retry, the others will not.
    public var isOutputFailure: Bool

    /// Creates a problem report.
    public init(sequenceNumber: Int?, uid: UInt32?, reason: String, isOutputFailure: Bool = false) {
        self.sequenceNumber = sequenceNumber
        self.uid = uid
        self.reason = reason
        self.isOutputFailure = isOutputFailure
    }

    public var description: String {
        let which = uid.map { "UID \($0)" } ?? sequenceNumber.map { "message \($0)" } ?? "a message"
        return "\(which): \(reason)"
    }
}
