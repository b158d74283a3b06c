import AppVault
import VaultCrypto

/// One in-process lease grant + secret read, as a connector does it: `lease` writes the lease and
/// a "lease.grant" audit record, `redeem` checks it, spends its use, writes "lease.use", opens the
/// secret into guarded memory and hands it to the closure.
enum LeaseCycle {
    static func run(_ vault: Vault, account: String) throws {
        let lease = try vault.lease(account: account, for: .imap, holder: "bench")
        let length = try vault.redeem(lease, for: .imap) { secret in secret.withUnsafeBytes { $0.count } }
        precondition(length == 16, "unexpected secret length \(length)")
    }
}
