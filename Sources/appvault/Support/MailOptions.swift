import AppVault
import ArgumentParser
import Foundation
import Logging
import MailConnectors

extension ConnectorError: ReportableError {
    /// 12 when the server rejected the password (rotate it), 2 for bad arguments, 13 otherwise.
    var exitCode: Int32 {
        switch self {
        case .authenticationFailed: 12
        case .invalidArgument, .caFileUnreadable: 2
        default: 13
        }
    }
}

/// Options of the commands that talk to mail servers.
struct MailOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Trust this PEM file of CA certificates instead of the system store. Default: $APPVAULT_CA_FILE.",
        valueName: "path"))
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the server to connect or answer.", valueName: "seconds"))
    var timeout: Int = 30

    func connection(budget: (any TrafficBudget)?) throws(VaultError) -> ConnectionOptions {
        guard (1...600).contains(timeout) else { throw .invalidInput("--timeout must be 1 to 600 seconds") }
        let environment = ProcessInfo.processInfo.environment["APPVAULT_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return ConnectionOptions(caFile: caFile ?? environment, connectTimeout: .seconds(timeout),
                                 ioTimeout: .seconds(timeout), trafficBudget: budget)
    }
}

/// Where the mail commands get leases when no agent serves the vault: the vault unlocked in
/// this process, whose connectors read the password for the moment of each login.
struct LeaseBroker {
    let vault: Vault

    static func open(_ options: VaultOptions) throws(VaultError) -> LeaseBroker {
        LeaseBroker(vault: try options.openUnlocked())
    }

    /// Logs in to `account` over IMAP with a new one-use lease.
    func imap(_ account: String, options: ConnectionOptions) throws -> (IMAPClient, Lease) {
        let lease = try vault.lease(account: account, for: .imap, holder: VaultOptions.actor)
        return (try IMAPClient.connect(lease: lease, redeemer: vault, options: options, logger: CLILogging.logger), lease)
    }

    /// Leases `account` for SMTP and logs in with it.
    func smtp(_ account: String, options: ConnectionOptions) throws -> (SMTPClient, Lease) {
        let lease = try vault.lease(account: account, for: .smtp, holder: VaultOptions.actor)
        return (try SMTPClient.connect(lease: lease, redeemer: vault, options: options, logger: CLILogging.logger), lease)
    }
}
