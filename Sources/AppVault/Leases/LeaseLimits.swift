/// Bounds on leases. Defaults follow DESIGN.md rule 2; limits can be lowered, never raised
/// above the hard caps.
public struct LeaseLimits: Sendable, Equatable {
    /// The hard cap on a lease's time to live: 15 minutes.
    public static let hardMaximumTTL: Duration = .seconds(15 * 60)
    /// The hard cap on a lease's total lifetime across renewals: 12 hours.
    public static let hardMaximumLifetime: Duration = .seconds(12 * 3600)

    /// TTL when the caller names none (60 s).
    public var defaultTTL: Duration
    /// The longest TTL a caller may ask for (at most ``hardMaximumTTL``).
    public var maximumTTL: Duration
    /// How long renewals may keep one lease alive (for an IMAP IDLE session).
    public var maximumLifetime: Duration
    /// The most uses one lease may carry.
    public var maximumUses: Int
    /// Live leases one account may have at once.
    public var maximumLivePerAccount: Int
    /// Live leases one holder (peer) may have at once.
    public var maximumLivePerHolder: Int
    /// How long ended leases stay on record (for distinct errors) before they are pruned.
    public var endedLeaseRetention: Duration
    /// The TTL of a proxied session's lease; the agent renews it while the session lives, so
    /// the lease of a session whose agent died lapses within this time.
    public var sessionTTL: Duration
    /// How long one proxied session may last in all (the client then logs in again).
    public var sessionLifetime: Duration
    /// Proxied upstream sessions one account may have at once, per protocol (Gmail allows about 15).
    public var maximumSessionsPerAccount: Int

    /// Creates limits, refusing any above the hard caps.
    public init(defaultTTL: Duration = .seconds(60), maximumTTL: Duration = hardMaximumTTL,
                maximumLifetime: Duration = .seconds(3600), maximumUses: Int = 100,
                maximumLivePerAccount: Int = 64, maximumLivePerHolder: Int = 256,
                endedLeaseRetention: Duration = .seconds(3600), sessionTTL: Duration = .seconds(120),
                sessionLifetime: Duration = hardMaximumLifetime, maximumSessionsPerAccount: Int = 10) {
        self.maximumTTL = min(maximumTTL, Self.hardMaximumTTL)
        self.defaultTTL = min(defaultTTL, self.maximumTTL)
        self.maximumLifetime = min(maximumLifetime, Self.hardMaximumLifetime)
        self.maximumUses = max(1, maximumUses)
        self.maximumLivePerAccount = max(1, maximumLivePerAccount)
        self.maximumLivePerHolder = max(1, maximumLivePerHolder)
        self.endedLeaseRetention = endedLeaseRetention
        self.sessionTTL = min(sessionTTL, Self.hardMaximumTTL)
        self.sessionLifetime = min(sessionLifetime, Self.hardMaximumLifetime)
        self.maximumSessionsPerAccount = max(1, maximumSessionsPerAccount)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
