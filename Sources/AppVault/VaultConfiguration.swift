public import Logging

/// Settings a vault is opened with: clock, logger, who is acting, lease limits and the anchor.
public struct VaultConfiguration: Sendable {
    /// The time source; tests inject a manual clock.
    public var clock: any VaultClock
    /// Where diagnostics go. Never receives a secret.
    public var logger: Logger
    /// Who performs changes, as written to the audit log (`cli uid 1000`).
    public var actor: String
    /// Bounds on leases.
    public var leaseLimits: LeaseLimits
    /// Where the rollback anchor lives (the CLI and the agent use ``AnchorSetting/standard``).
    public var anchor: AnchorSetting

    /// Creates a configuration; the defaults suit a command-line process.
    public init(clock: any VaultClock = SystemClock(),
                logger: Logger = Logger(label: "appvault", factory: { _ in SwiftLogNoOpLogHandler() }),
                actor: String = "in-process",
                leaseLimits: LeaseLimits = LeaseLimits(), anchor: AnchorSetting = .disabled) {
        self.clock = clock
        self.logger = logger
        self.actor = actor
        self.leaseLimits = leaseLimits
        self.anchor = anchor
    }
}
