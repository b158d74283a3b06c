/// One row of the `records` table as the store holds it: everything but `kind` and the index
/// columns is ciphertext.
package struct StoredRecord: Sendable, Equatable {
    /// What the record is.
    package var kind: RecordKind
    /// Its primary key within the kind: a keyed hash (accounts) or a random identifier.
    package var key: [UInt8]
    /// The account it belongs to (the account record's key), for lookups by account; nil for
    /// accounts themselves.
    package var ref: [UInt8]?
    /// A second lookup column (a keyed hash of a lease holder), or nil.
    package var tag: [UInt8]?
    /// The sealed body.
    package var body: [UInt8]

    package init(kind: RecordKind, key: [UInt8], ref: [UInt8]?, tag: [UInt8]? = nil, body: [UInt8]) {
        self.kind = kind
        self.key = key
        self.ref = ref
        self.tag = tag
        self.body = body
    }

    /// The largest key and index value the format allows (bytes).
    package static let maximumKeyBytes = 64
}
