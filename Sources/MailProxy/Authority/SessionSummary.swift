/// What a finished session did, for the audit log.
package struct SessionSummary: Sendable {
    /// Bytes received from the mail server, login included.
    package var bytesFromUpstream: Int64
    /// Bytes sent to the mail server, login included.
    package var bytesToUpstream: Int64
    /// From the local client's login to the end.
    package var duration: Duration
    /// Why it ended: `client logged out`, `upstream closed the connection`, the kill reason...
    package var reason: String

    /// Creates a summary.
    package init(bytesFromUpstream: Int64, bytesToUpstream: Int64, duration: Duration, reason: String) {
        self.bytesFromUpstream = bytesFromUpstream
        self.bytesToUpstream = bytesToUpstream
        self.duration = duration
        self.reason = reason
    }
}
