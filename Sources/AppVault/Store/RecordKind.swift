/// The kinds of authenticated records a vault stores (one `records` table, docs/format.md).
///
/// The raw values are part of the format: never renumber them.
package enum RecordKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// An account's settings and state (sealed), keyed by a keyed hash of its name.
    case account = 1
    /// An account's app password, sealed under the account's own subkey.
    case accountSecret = 2
    /// A lease (connector use, one-session login lease, or a proxied session's lease).
    case lease = 3
    /// A client token for the agent's local endpoints (only its keyed hash is stored).
    case token = 4
    /// Bytes an account moved on one UTC day.
    case traffic = 5
    /// What `fetch --new` has already fetched from one mailbox.
    case fetchState = 6

    package var description: String {
        switch self {
        case .account: "account"
        case .accountSecret: "account secret"
        case .lease: "lease"
        case .token: "token"
        case .traffic: "traffic"
        case .fetchState: "fetch state"
        }
    }
}
