public import AppVault
public import Logging
public import VaultCrypto

/// Opens IMAP and SMTP sessions for an account without the caller ever holding its password.
///
/// Two ways in:
/// - **In-process**, with a `Vault` this process has unlocked: the session takes a lease
///   (`vault.lease(account:for:ttl:uses:holder:)`), the connector reads the app password for the
///   moment of login (`redeem`), and the session holds the lease, renewing it while it lives
///   (notably during ``IMAPClient/idle(timeout:refresh:shouldStop:)``) and ending it at logout.
///   Revoking the lease or rotating the password ends the session at its next renewal (within
///   half the lease's time to live).
/// - **Through the agent's local endpoint** (``LocalEndpoint``), with a local credential: a
///   client token (`avt-...`) or a lease password (`avl-...`) in `SecureBytes`. The agent
///   checks it and logs in upstream; the password never enters this process.
///
/// Traffic is metered against the account's daily limits (the vault is the budget unless the
/// options name another).
public enum MailSession {
    /// How long the lease of an in-process session lives between renewals, unless told otherwise.
    public static let sessionLeaseTTL: Duration = .seconds(120)

    /// An IMAP session for `account`, in this process, with `vault` unlocked.
    /// - Parameters:
    ///   - holder: who holds the lease, for `appvault leases` and the audit log.
    ///   - leaseTTL: how long the lease lives between renewals; the session renews it when half
    ///     of that is left, so a revoked lease or a rotated password ends the session within it.
    /// - Throws: `VaultError` (locked, no such account, lease limits, traffic limit),
    ///   ``ConnectorError`` (network, TLS, login).
    public static func imap(account: String, vault: Vault, options: ConnectionOptions = ConnectionOptions(),
                            holder: String = "in-process", leaseTTL: Duration = sessionLeaseTTL,
                            logger: Logger = defaultLogger) throws -> IMAPClient {
        var options = options
        if options.trafficBudget == nil { options.trafficBudget = vault }
        // One use for the login; the second keeps the lease live (a spent lease cannot be renewed).
        let lease = try vault.lease(account: account, for: .imap, ttl: leaseTTL, uses: 2, holder: holder)
        let client: IMAPClient
        do {
            client = try IMAPClient.connect(lease: lease, redeemer: vault, options: options, logger: logger)
        } catch {
            try? vault.revokeLease(id: lease.id)
            throw error
        }
        client.leaseKeeper = LeaseKeeper(
            lease: lease,
            renew: { lease in
                do throws(VaultError) {
                    return try vault.renew(lease: lease.id, ttl: leaseTTL)
                } catch .leaseRenewalLimit {
                    // Past the lease's maximum lifetime: the session goes on under a new lease.
                    try? vault.revokeLease(id: lease.id)
                    return try vault.lease(account: account, for: .imap, ttl: leaseTTL, uses: 1, holder: holder)
                }
            },
            end: { lease in try vault.revokeLease(id: lease.id) })
        return client
    }

    /// An SMTP session for `account`, in this process, with `vault` unlocked (a one-use lease).
    public static func smtp(account: String, vault: Vault, options: ConnectionOptions = ConnectionOptions(),
                            holder: String = "in-process", logger: Logger = defaultLogger) throws -> SMTPClient {
        var options = options
        if options.trafficBudget == nil { options.trafficBudget = vault }
        let lease = try vault.lease(account: account, for: .smtp, uses: 1, holder: holder)
        return try SMTPClient.connect(lease: lease, redeemer: vault, options: options, logger: logger)
    }

    /// An IMAP session through the agent's local endpoint, logging in as `account` with
    /// `credential` (a client token `avt-...` or lease password `avl-...`), which is consumed.
    /// - Throws: ``LocalSocketError`` (the endpoint failed its checks: nothing was sent),
    ///   ``ConnectorError`` (refused credential: `authenticationFailed`).
    public static func imap(local endpoint: LocalEndpoint, account: String, credential: consuming SecureBytes,
                            options: ConnectionOptions = ConnectionOptions(), logger: Logger = defaultLogger) throws -> IMAPClient {
        let fd = try endpoint.connect(timeout: options.connectTimeout)
        return try IMAPClient.connect(localSocket: fd, name: endpoint.description, account: account,
                                      credential: credential, options: options, logger: logger)
    }

    /// An SMTP session through the agent's local endpoint, as ``imap(local:account:credential:options:logger:)``.
    public static func smtp(local endpoint: LocalEndpoint, account: String, credential: consuming SecureBytes,
                            options: ConnectionOptions = ConnectionOptions(), logger: Logger = defaultLogger) throws -> SMTPClient {
        let fd = try endpoint.connect(timeout: options.connectTimeout)
        return try SMTPClient.connect(localSocket: fd, name: endpoint.description, account: account,
                                      credential: credential, options: options, logger: logger)
    }

    /// A logger that drops everything; pass your own to see the protocol (never a secret).
    public static var defaultLogger: Logger { Logger(label: "appvault.mail", factory: { _ in SwiftLogNoOpLogHandler() }) }
}
