import AppVault
import ArgumentParser
import Foundation
import Logging
import MailConnectors
import VaultAgent

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

/// Where the mail commands get leases: a running, unlocked agent when one answers (no
/// passphrase needed), otherwise the vault unlocked in this process. Either way the vault file
/// is open for account settings and the traffic meter.
struct LeaseBroker {
    let vault: Vault
    let agent: AgentClient?

    /// The redeemer that hands the lease's secret to a connector.
    var redeemer: any LeaseRedeemer { agent.map { $0 as any LeaseRedeemer } ?? vault }

    static func open(_ options: VaultOptions, socket: AgentSocketOptions) throws(VaultError) -> LeaseBroker {
        let vault = try options.openLocked()
        let client = socket.client
        if let status = try? client.status(), status.unlocked {
            CLILogging.logger.info("leasing through the agent", metadata: ["socket": "\(socket.path)"])
            return LeaseBroker(vault: vault, agent: client)
        }
        try vault.unlock(with: options.credential(for: vault.credentialKind()))
        return LeaseBroker(vault: vault, agent: nil)
    }

    /// A lease on `account` for `protocol` (one use unless asked otherwise).
    func lease(_ account: String, for protocol: MailProtocol, ttl: Duration? = nil, uses: Int = 1) throws -> Lease {
        if let agent { return try agent.lease(account: account, for: `protocol`, ttl: ttl, uses: uses) }
        return try vault.lease(account: account, for: `protocol`, ttl: ttl, uses: uses, holder: VaultOptions.actor)
    }

    /// Logs in to `account` over IMAP with a new one-use lease, or with the granted lease `id`.
    func imap(_ account: String, options: ConnectionOptions, leaseID: String? = nil) throws -> (IMAPClient, Lease) {
        let lease = try leaseID.map { id throws(VaultError) in
            let granted = try vault.lease(id: id)
            guard granted.account == account else { throw VaultError.invalidInput("lease \(id) is for account '\(granted.account)'") }
            return granted
        } ?? lease(account, for: .imap)
        return (try IMAPClient.connect(lease: lease, redeemer: redeemer, options: options, logger: CLILogging.logger), lease)
    }

    /// Leases `account` for SMTP and logs in with it.
    func smtp(_ account: String, options: ConnectionOptions) throws -> (SMTPClient, Lease) {
        let lease = try lease(account, for: .smtp)
        return (try SMTPClient.connect(lease: lease, redeemer: redeemer, options: options, logger: CLILogging.logger), lease)
    }
}
