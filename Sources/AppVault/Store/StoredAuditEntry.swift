/// One row of the audit log as the store holds it: a sealed body chained by a keyed MAC.
package struct StoredAuditEntry: Sendable, Equatable {
    /// Position in the log, from 1 without gaps.
    package var sequence: Int64
    /// When it happened, in milliseconds since 1970 (stored in clear: the one thing a thief
    /// learns about each record).
    package var milliseconds: Int64
    /// The sealed event, account, lease, actor and detail.
    package var body: [UInt8]
    /// Keyed BLAKE2b over sequence, time, body and the previous record's MAC.
    package var mac: [UInt8]

    package init(sequence: Int64, milliseconds: Int64, body: [UInt8], mac: [UInt8]) {
        self.sequence = sequence
        self.milliseconds = milliseconds
        self.body = body
        self.mac = mac
    }
}
