import VaultCrypto

/// The MAC of the state row: binds the commit counter, the audit head and the tree root to the
/// vault's id under the state subkey.
enum StateMAC {
    static func compute(_ state: StoredState, vaultID: [UInt8], keys: borrowing KeyRing) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-state-v2")
        writer.append(vaultID)
        writer.append(state.counter)
        writer.append(state.auditSequence)
        writer.append(state.auditChain)
        writer.append(state.treeRoot)
        return KeyedHash.hash(writer.bytes, key: keys.stateKey)
    }
}
