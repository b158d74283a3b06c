/// The single state row: the commitment to everything the vault holds now.
///
/// `counter` grows by one with every committed change; `treeRoot` is the root of the integrity
/// tree over all records; `auditSequence` and `auditChain` are the last audit record's number and
/// MAC. The MAC (state subkey) binds them to the vault's id, so a row copied from a backup or
/// another vault, an edited record, or a shortened audit log no longer matches (DESIGN.md rule 3).
package struct StoredState: Sendable, Equatable {
    package var counter: Int64
    package var auditSequence: Int64
    package var auditChain: [UInt8]
    package var treeRoot: [UInt8]
    package var mac: [UInt8]

    package init(counter: Int64, auditSequence: Int64, auditChain: [UInt8], treeRoot: [UInt8], mac: [UInt8]) {
        self.counter = counter
        self.auditSequence = auditSequence
        self.auditChain = auditChain
        self.treeRoot = treeRoot
        self.mac = mac
    }
}
