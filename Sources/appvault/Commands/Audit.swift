import AppVault
import ArgumentParser

/// `appvault audit`: print or verify the audit log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log, or verify everything the vault commits to with --verify (needs the passphrase).",
        discussion: """
            --verify checks the audit log's keyed hash chain up to its recorded end, every row of the \
            vault against its integrity tree (an edited, removed, added or restored row is named), and \
            the rollback anchor this host keeps outside the vault (a vault rolled back to an older copy \
            is named). It exits 6 when it finds anything. After restoring a backup on purpose, \
            --accept-rollback makes the anchor record the restored state.
            """)

    @OptionGroup var options: VaultOptions

    @Flag(name: .long, help: "Check the audit chain, every row and the rollback anchor, and report every problem.")
    var verify = false

    @Flag(name: .long, help: "With --verify: accept the vault as it is now after a deliberate restore from a backup.")
    var acceptRollback = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            if acceptRollback && !verify { throw VaultError.invalidInput("--accept-rollback goes with --verify") }
            let vault = try options.openLocked()
            try vault.unlock(with: options.credential(for: vault.credentialKind()), checkAnchor: !verify)
            if verify {
                if acceptRollback {
                    try vault.acceptCurrentState()
                    Output.notice("The rollback anchor now records the vault as it is.")
                }
                let result = try vault.verifyAudit()
                if json { try Output.json(result) } else if result.isIntact {
                    Output.line("vault intact: \(result.recordCount) audit records, hash chain, every row and the state row verified; \(result.anchor)")
                } else {
                    Output.line("vault NOT intact (\(result.recordCount) audit records):")
                    result.problems.forEach { Output.line("  - \(Output.safe($0))") }
                }
                if !result.isIntact { throw VaultError.tampered("the vault failed verification") }
                return
            }
            let records = try vault.auditRecords()
            if json { return try Output.json(records) }
            Output.table(["SEQ", "TIME", "EVENT", "ACCOUNT", "LEASE", "TOKEN", "ACTOR", "DETAIL"], records.map {
                [String($0.sequence), Output.date($0.at), $0.event, $0.account ?? "-", $0.leaseID ?? "-", $0.tokenID ?? "-",
                 $0.actor, $0.detail]
            })
        }
    }
}
