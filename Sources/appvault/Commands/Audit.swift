import AppVault
import ArgumentParser

/// `appvault audit`: print or verify the audit log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the audit log, or verify its hash chain with --verify (needs the passphrase).")

    @OptionGroup var options: VaultOptions

    @Flag(name: .long, help: "Recompute the keyed hash chain and report every record that does not match.")
    var verify = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            if verify {
                let result = try options.openUnlocked().verifyAudit()
                if json { try Output.json(result) } else if result.isIntact {
                    Output.line("audit log intact: \(result.recordCount) records, hash chain verified")
                } else {
                    Output.line("audit log NOT intact (\(result.recordCount) records):")
                    result.problems.forEach { Output.line("  - \($0)") }
                }
                if !result.isIntact { throw VaultError.tampered("the audit log failed verification") }
                return
            }
            let records = try options.openLocked().auditRecords()
            if json { return try Output.json(records) }
            Output.table(["SEQ", "TIME", "EVENT", "ACCOUNT", "LEASE", "ACTOR", "DETAIL"], records.map {
                [String($0.sequence), Output.date($0.at), $0.event, $0.account ?? "-", $0.leaseID.map { String($0.prefix(8)) } ?? "-",
                 $0.actor, $0.detail]
            })
        }
    }
}
