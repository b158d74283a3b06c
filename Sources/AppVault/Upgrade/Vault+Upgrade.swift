import Foundation
import Glibc
import VaultCrypto

/// What `appvault upgrade` did.
public struct UpgradeSummary: Sendable, Equatable {
    /// Where the format-1 file was kept.
    public var backup: String
    /// Accounts carried over (tombstones included).
    public var accounts: Int
    /// Audit records of the old log, verified before converting.
    public var formerAuditRecords: Int
}

extension Vault {
    /// Converts the format-1 vault at `path` (appvault 0.1) to format 2 in place, keeping the old
    /// file beside it as `PATH.format1`.
    ///
    /// The old vault is unlocked with `credential` and checked first (header MAC, every sealed
    /// password against its binding, the whole audit chain): a vault that fails is not converted.
    /// The vault key, credential, KDF cost and vault id carry over, so fingerprints do not change;
    /// every account is re-sealed with its status, generation and times; leases are not carried
    /// (they last minutes). The new audit log starts with a `vault.upgrade` record naming the old
    /// log's length and last MAC; the old log stays in the kept file.
    public static func upgrade(formatOneAt path: String, credential: consuming MasterCredential,
                               configuration: VaultConfiguration = VaultConfiguration()) throws(VaultError) -> UpgradeSummary {
        let old = try FormatOneVault.read(path: path)
        let box = try old.unlock(with: credential)
        if let problem = old.auditProblems(keys: box.ring).first { throw .tampered(problem) }
        let staging = path + ".upgrading"
        let backup = path + ".format1"
        for leftover in [staging, staging + "-wal", staging + "-shm"] { unlink(leftover) }
        guard !FileSafety.exists(backup) else { throw .invalidInput("\(backup) exists already; move it away before upgrading") }
        let store = try SQLiteStore.create(path: staging)
        do {
            let header = VaultHeader(vaultID: old.vaultID, credentialKind: old.credentialKind, kdf: old.kdf, salt: old.salt,
                                     wrappedVaultKey: old.wrappedVaultKey, createdAt: old.createdAt)
            let lastMAC = Hex.encode(old.auditHead.mac)
            let vault = try create(
                store: store, header: header, keys: box, configuration: configuration,
                first: .init(event: "vault.upgrade", actor: configuration.actor,
                             detail: "converted from format 1: \(old.audit.count) audit records verified, last MAC \(lastMAC), kept in \(backup)")
            ) { (ledger) throws(VaultError) in
                for account in old.accounts {
                    let accountID = SecureRandom.bytes(16)
                    var record = account.record
                    record.id = Hex.encode(accountID)
                    let stored = StoredAccount(record: record, accountID: accountID,
                                               key: StoredAccount.key(for: record.name, keys: ledger.keys.ring))
                    try stored.save(in: ledger)
                    if let secret = try old.secret(of: account, keys: ledger.keys.ring) {
                        try ledger.put(AccountSealing.seal(secret, for: stored, keys: ledger.keys.ring))
                    }
                }
            }
            vault.checkpoint()
        } catch {
            SQLiteStore.removeUnfinished(path: staging)
            throw error
        }
        guard rename(path, backup) == 0 else {
            SQLiteStore.removeUnfinished(path: staging)
            throw .io("cannot keep the format-1 file as \(backup): \(String(cString: strerror(errno)))")
        }
        // The old file's write-ahead log may hold its newest commits: it goes with the kept file.
        for suffix in ["-wal", "-shm"] where FileSafety.exists(path + suffix) { _ = rename(path + suffix, backup + suffix) }
        guard rename(staging, path) == 0 else {
            _ = rename(backup, path)
            throw .io("cannot move the converted vault into place: \(String(cString: strerror(errno)))")
        }
        for leftover in [staging + "-wal", staging + "-shm"] { unlink(leftover) }
        return UpgradeSummary(backup: backup, accounts: old.accounts.count, formerAuditRecords: old.audit.count)
    }
}
