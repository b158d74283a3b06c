import Foundation
import VaultCrypto

/// The header: how to derive the master key, and the vault key wrapped under it (docs/format.md).
struct VaultHeader: Sendable {
    /// The format this build reads and writes.
    static let formatVersion = 2

    var vaultID: [UInt8]
    var credentialKind: MasterCredential.Kind
    var kdf: KDFParameters
    var salt: [UInt8]
    var wrappedVaultKey: [UInt8]
    var createdAt: Date

    /// Upper bounds on stored KDF costs, so a doctored header cannot make unlock exhaust memory.
    static let maximumKDF = KDFParameters(opsLimit: 64, memLimit: 4 << 30)

    /// The bytes both the checksum and the MAC cover.
    var canonicalBytes: [UInt8] {
        var writer = ByteWriter(domain: "appvault-header-v2")
        writer.append(Self.formatVersion)
        writer.append(vaultID)
        writer.append(credentialKind.rawValue)
        writer.append(kdf.opsLimit)
        writer.append(kdf.memLimit)
        writer.append(salt)
        writer.append(wrappedVaultKey)
        writer.append(createdAt)
        return writer.bytes
    }

    /// An unkeyed checksum: tells corruption from a wrong passphrase before any KDF runs.
    var checksum: [UInt8] { KeyedHash.digest(canonicalBytes) }

    /// The MAC under the header subkey: proves the header was written by a holder of the vault key.
    func mac(with keys: borrowing KeyRing) -> [UInt8] {
        KeyedHash.hash(canonicalBytes, key: keys.headerKey)
    }

    /// The stored form, with checksum and MAC.
    func stored(keys: borrowing KeyRing) -> StoredHeader {
        StoredHeader(formatVersion: Self.formatVersion, vaultID: vaultID, credentialKind: credentialKind.rawValue,
                     kdfOpsLimit: Int64(kdf.opsLimit), kdfMemLimit: Int64(kdf.memLimit), salt: salt,
                     wrappedVaultKey: wrappedVaultKey,
                     createdMilliseconds: StoredTime.milliseconds(createdAt.timeIntervalSince1970) ?? 0,
                     checksum: checksum, mac: mac(with: keys))
    }

    /// Reads and checks a stored header (format, checksum, KDF bounds); the MAC is checked at unlock.
    static func load(_ stored: StoredHeader?) throws(VaultError) -> (header: VaultHeader, mac: [UInt8]) {
        guard let stored else { throw .tampered("the vault header is missing") }
        guard stored.formatVersion == formatVersion else {
            throw .unsupportedFormat(found: stored.formatVersion, supported: formatVersion)
        }
        guard let kind = MasterCredential.Kind(rawValue: stored.credentialKind) else {
            throw .tampered("the vault header names an unknown credential kind")
        }
        guard abs(Double(stored.createdMilliseconds) / 1000) < StoredTime.limitSeconds else {
            throw .tampered("the vault header's creation time is impossible")
        }
        let header = VaultHeader(
            vaultID: stored.vaultID, credentialKind: kind,
            kdf: KDFParameters(opsLimit: UInt64(max(stored.kdfOpsLimit, 0)), memLimit: UInt64(max(stored.kdfMemLimit, 0))),
            salt: stored.salt, wrappedVaultKey: stored.wrappedVaultKey,
            createdAt: Date(timeIntervalSince1970: Double(stored.createdMilliseconds) / 1000))
        guard KeyedHash.constantTimeEquals(header.checksum, stored.checksum) else {
            throw .tampered("the vault header does not match its checksum")
        }
        let minimum = PasswordHash.minimum
        guard header.salt.count == PasswordHash.saltBytes, header.vaultID.count == 16,
              kind == .keyFile || (header.kdf.opsLimit >= minimum.opsLimit && header.kdf.memLimit >= minimum.memLimit),
              header.kdf.opsLimit <= maximumKDF.opsLimit, header.kdf.memLimit <= maximumKDF.memLimit
        else { throw .tampered("the vault header's key-derivation parameters are out of range") }
        return (header, stored.mac)
    }
}
