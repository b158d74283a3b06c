public import Foundation

/// One entry of the append-only, hash-chained audit log. Never holds a secret.
public struct AuditRecord: Sendable, Codable, Equatable {
    /// Position in the log, from 1 without gaps.
    public var sequence: Int64
    /// When it happened.
    public var at: Date
    /// What happened: `vault.create`, `account.add`, `lease.grant`, `lease.deny`, `token.use`, ...
    public var event: String
    /// The account concerned, if any.
    public var account: String?
    /// The lease concerned, if any.
    public var leaseID: String?
    /// The client token concerned, if any.
    public var tokenID: String?
    /// Who did it: `cli uid 1000 pid 42`, `agent peer uid 1000 pid 42 /usr/bin/x`, `in-process`.
    public var actor: String
    /// Non-secret details: generation, fingerprint, bytes moved, reason of a denial.
    public var detail: String
    /// Keyed BLAKE2b over this record and the previous record's MAC (hex).
    public var mac: String
}

/// The outcome of `audit --verify`: the audit chain, the state row, the integrity tree over
/// every record, and the rollback anchor.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// How many audit records were read.
    public var recordCount: Int
    /// One line per problem: what is wrong and where. Empty when intact.
    public var problems: [String]
    /// What the rollback anchor says (see ``RollbackAnchor``).
    public var anchor: String
    /// True when everything checked out.
    public var isIntact: Bool { problems.isEmpty }
}
