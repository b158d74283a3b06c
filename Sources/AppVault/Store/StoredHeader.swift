/// The header row as stored: how to derive the master key and the wrapped vault key. Readable
/// without the passphrase (it must be, to unlock), so it holds nothing secret.
package struct StoredHeader: Sendable, Equatable {
    package var formatVersion: Int
    package var vaultID: [UInt8]
    package var credentialKind: String
    package var kdfOpsLimit: Int64
    package var kdfMemLimit: Int64
    package var salt: [UInt8]
    package var wrappedVaultKey: [UInt8]
    package var createdMilliseconds: Int64
    package var checksum: [UInt8]
    package var mac: [UInt8]

    package init(formatVersion: Int, vaultID: [UInt8], credentialKind: String, kdfOpsLimit: Int64,
                 kdfMemLimit: Int64, salt: [UInt8], wrappedVaultKey: [UInt8], createdMilliseconds: Int64,
                 checksum: [UInt8], mac: [UInt8]) {
        self.formatVersion = formatVersion
        self.vaultID = vaultID
        self.credentialKind = credentialKind
        self.kdfOpsLimit = kdfOpsLimit
        self.kdfMemLimit = kdfMemLimit
        self.salt = salt
        self.wrappedVaultKey = wrappedVaultKey
        self.createdMilliseconds = createdMilliseconds
        self.checksum = checksum
        self.mac = mac
    }
}
