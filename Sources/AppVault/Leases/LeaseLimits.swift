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

    /// Creates limits, refusing any above the hard caps.
    public init(defaultTTL: Duration = .seconds(60), maximumTTL: Duration = hardMaximumTTL,
                maximumLifetime: Duration = .seconds(3600), maximumUses: Int = 100,
                maximumLivePerAccount: Int = 64, maximumLivePerHolder: Int = 256,
                endedLeaseRetention: Duration = .seconds(3600)) {
        self.maximumTTL = min(maximumTTL, Self.hardMaximumTTL)
        self.defaultTTL = min(defaultTTL, self.maximumTTL)
        self.maximumLifetime = min(maximumLifetime, Self.hardMaximumLifetime)
        self.maximumUses = max(1, maximumUses)
        self.maximumLivePerAccount = max(1, maximumLivePerAccount)
        self.maximumLivePerHolder = max(1, maximumLivePerHolder)
        self.endedLeaseRetention = endedLeaseRetention
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
