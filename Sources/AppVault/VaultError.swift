/// What went wrong in a vault operation, and what to do about it.
///
/// Messages never contain a secret. ``exitCode`` gives each kind a stable process exit status.
public enum VaultError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The passphrase or key file does not open this vault. Try again with the right one.
    case wrongCredential
    /// No account has this name. `appvault list` shows the names.
    case noSuchAccount(String)
    /// An account with this name exists already. Pick another name or `rotate` the existing one.
    case accountExists(String)
    /// The account was revoked; its secret is gone. Add it again with a new app password.
    case accountRevoked(String)
    /// An argument or input was rejected; the text says which and why.
    case invalidInput(String)
    /// The vault file failed an integrity check: it was altered, truncated or is not a vault.
    /// Restore it from a backup.
    case tampered(String)
    /// The vault was written by a newer appvault (or is damaged). Upgrade appvault.
    case unsupportedFormat(found: Int, supported: Int)
    /// The vault file or its folder can be read or written by other users. Fix with `chmod`.
    case insecurePermissions(path: String, mode: UInt16)
    /// No vault exists at this path. Create one with `appvault init`.
    case vaultNotFound(String)
    /// A vault exists already at this path; `init` never overwrites one.
    case vaultExists(String)
    /// Another process holds the vault's write lock. Try again in a moment.
    case busy
    /// The vault is locked: unlock it first (`appvault unlock`, or give the passphrase).
    case locked
    /// The lease's time ran out. Ask for a new lease.
    case leaseExpired(String)
    /// The lease has no uses left. Ask for a new lease.
    case leaseUsedUp(String)
    /// The lease was revoked, by `lease revoke` or because its account was rotated or revoked.
    case leaseRevoked(String)
    /// The account was rotated after this lease was granted; its secret is stale. Ask for a new lease.
    case leaseStale(String)
    /// The lease was granted for another protocol (an SMTP lease used for IMAP).
    case leaseWrongProtocol(lease: String, granted: MailProtocol, requested: MailProtocol)
    /// No lease has this id (it never existed or was pruned).
    case noSuchLease(String)
    /// Too many live leases for this account or holder. Let some end or revoke them.
    case leaseLimitReached(String)
    /// The lease reached its maximum lifetime and cannot be renewed further. Ask for a new lease.
    case leaseRenewalLimit(String)
    /// The client token or lease password is unknown, wrong, or not for this account or
    /// protocol. Check the client's settings; `appvault token list` shows the tokens.
    case credentialRejected(String)
    /// The client token has expired. Make a new one with `appvault token add`.
    case tokenExpired(String)
    /// No client token has this id.
    case noSuchToken(String)
    /// The account already has as many proxied sessions as allowed; close some, or raise the
    /// agent's `--max-sessions`.
    case tooManySessions(account: String, limit: Int)
    /// The provider rejected this account's password at the last login (`appvault check` or a
    /// proxied login marked it dead); no session is started. Rotate it.
    case accountDead(String)
    /// The daily traffic limit of the provider would be crossed; wait until the next UTC day.
    case trafficLimit(account: String, direction: String, usedBytes: Int64, limitBytes: Int64)
    /// The shared store (a PostgreSQL database) cannot be reached; the text says where and whether
    /// anything was changed (nothing, unless the connection dropped during the commit itself).
    /// Check the database and the network; agents reconnect by themselves when it returns.
    case storeUnreachable(String)
    /// A file could not be read or written; the text names the file and the system error.
    case io(String)
    /// The SQLite storage failed in a way that is not one of the cases above.
    case storage(String)
    /// A cryptographic primitive failed (out of locked memory, for example).
    case crypto(String)

    public var description: String {
        switch self {
        case .wrongCredential:
            return "wrong passphrase or key file for this vault (or its header was altered)"
        case .noSuchAccount(let name):
            return "no account named '\(name)'; `appvault list` shows the accounts"
        case .accountExists(let name):
            return "an account named '\(name)' exists already; use `appvault rotate \(name)` to replace its password"
        case .accountRevoked(let name):
            return "account '\(name)' is revoked; add it again with a new app password"
        case .invalidInput(let text):
            return text
        case .tampered(let what):
            return "vault integrity check failed: \(what); restore the vault from a backup"
        case .unsupportedFormat(let found, let supported) where found < supported:
            return "vault format version \(found) was written by an older appvault (this one reads version \(supported)); convert it with `appvault upgrade`"
        case .unsupportedFormat(let found, let supported):
            return "vault format version \(found) is not supported (this appvault reads version \(supported)); upgrade appvault"
        case .insecurePermissions(let path, let mode):
            return "\(path) has mode \(String(mode, radix: 8)), readable or writable by others; run `chmod go-rwx \(path)`"
        case .vaultNotFound(let path):
            return "no vault at \(path); create one with `appvault init`"
        case .vaultExists(let path):
            return "a vault exists already at \(path); init never overwrites one"
        case .busy:
            return "the vault is busy (another appvault process is writing); try again"
        case .locked:
            return "the vault is locked; run `appvault unlock` or give the passphrase"
        case .leaseExpired(let id):
            return "lease \(id) has expired; request a new lease"
        case .leaseUsedUp(let id):
            return "lease \(id) has no uses left; request a new lease"
        case .leaseRevoked(let id):
            return "lease \(id) was revoked"
        case .leaseStale(let id):
            return "lease \(id) is for an older password (the account was rotated); request a new lease"
        case .leaseWrongProtocol(let id, let granted, let requested):
            return "lease \(id) was granted for \(granted), not \(requested)"
        case .noSuchLease(let id):
            return "no lease with id \(id)"
        case .leaseLimitReached(let what):
            return "too many live leases for \(what); wait for some to end or revoke them"
        case .leaseRenewalLimit(let id):
            return "lease \(id) reached its maximum lifetime; request a new lease"
        case .credentialRejected(let why):
            return "credential refused: \(why)"
        case .tokenExpired(let id):
            return "client token \(id) has expired; make a new one with `appvault token add`"
        case .noSuchToken(let id):
            return "no client token with id \(id); `appvault token list` shows them"
        case .tooManySessions(let account, let limit):
            return "account '\(account)' already has \(limit) proxied sessions (the limit); close some or raise --max-sessions"
        case .accountDead(let name):
            return "the provider rejected the app password of '\(name)' at the last login; rotate it (`appvault rotate \(name)`), or run `appvault check \(name)` if it was fixed at the provider"
        case .trafficLimit(let account, let direction, let used, let limit):
            return "account '\(account)' would cross its daily \(direction) limit (\(used) of \(limit) bytes used today, UTC); wait for the next day"
        case .storeUnreachable(let what):
            return "the shared vault store cannot be reached: \(what); try again when it is back"
        case .io(let text):
            return text
        case .storage(let text):
            return "vault storage error: \(text)"
        case .crypto(let text):
            return "cryptography error: \(text)"
        }
    }

    /// The process exit status the command-line tool uses for this error.
    public var exitCode: Int32 { exitStatus.rawValue }

    /// The exit status for this error (``ExitStatus`` documents each).
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidInput: .badInput
        case .wrongCredential: .wrongCredential
        case .noSuchAccount, .noSuchLease, .noSuchToken, .vaultNotFound: .notFound
        case .accountExists, .vaultExists: .exists
        case .tampered, .unsupportedFormat: .tampered
        case .insecurePermissions: .insecurePermissions
        case .busy: .busy
        case .locked: .locked
        case .leaseExpired, .leaseUsedUp, .leaseRevoked, .leaseStale, .leaseWrongProtocol,
             .leaseLimitReached, .leaseRenewalLimit, .accountRevoked, .credentialRejected, .tokenExpired,
             .tooManySessions: .refused
        case .accountDead: .loginRejected
        case .trafficLimit: .trafficLimit
        case .storeUnreachable: .network
        case .io, .storage, .crypto: .failure
        }
    }
}
