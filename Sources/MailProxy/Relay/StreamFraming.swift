/// Where one direction of a relayed stream stands: inside a response (or command), or between
/// two. The relay injects `* BYE`/`421` only between two, so it never corrupts the stream.
protocol StreamFraming {
    /// Whether everything consumed so far ends exactly at a response (command) boundary.
    var atBoundary: Bool { get }
    /// Whether the framing can no longer be followed (IMAP COMPRESS): nothing is ever injected.
    var opaque: Bool { get }
    /// Whether the sender announced its own end: the server's `* BYE` or `221`/`421`, the
    /// client's `LOGOUT`.
    var senderIsLeaving: Bool { get }
    /// Whether the stream shows that the client ended the session: its `LOGOUT` (IMAP, client
    /// side), or the server's `221` reply to `QUIT` (SMTP, server side).
    var showsClientLeaving: Bool { get }
    /// Follows `bytes`; returns the offset just past the last boundary inside them, or nil.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Int?
}
