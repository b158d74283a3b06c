package import AppVault
package import VaultCrypto

/// Decides who may open a session and supplies the upstream secret: implemented by the agent
/// over the vault and its policy; tests use a fake.
///
/// Called from session threads, concurrently. For one session the calls come in this order:
/// ``open(_:credential:)``, then (if it succeeded) ``withUpstreamSecret(_:_:)``, then exactly one
/// of ``upstreamLoggedIn(_:)`` or ``upstreamLoginFailed(_:_:)``, then ``meter(_:downloaded:uploaded:)``
/// any number of times, then ``ended(_:_:)`` exactly once.
package protocol SessionAuthority: Sendable {
    /// Checks `credential` (token or lease password) for `request`, starts the session's lease, audits.
    func open(_ request: LoginRequest, credential: borrowing SecureBytes) throws(SessionRefusal) -> SessionGrant
    /// Calls `body` with the account's app password (one use of the session lease) for the
    /// upstream AUTH; zeroed after. Errors `body` throws are rethrown unchanged; the authority
    /// may throw a ``SessionRefusal`` of its own (lease revoked, vault locked meanwhile).
    func withUpstreamSecret<Result>(_ grant: SessionGrant, _ body: (borrowing SecureBytes) throws -> Result) throws -> Result
    /// The upstream login worked; the session relays from now on.
    func upstreamLoggedIn(_ grant: SessionGrant)
    /// The upstream login failed; ``UpstreamFailure/passwordRejected(_:)`` marks the account dead.
    func upstreamLoginFailed(_ grant: SessionGrant, _ failure: UpstreamFailure)
    /// Adds bytes moved since the last call; `.limitReached` ends the session at the next safe point.
    func meter(_ grant: SessionGrant, downloaded: Int64, uploaded: Int64) -> MeterVerdict
    /// Records a refusal the proxy made itself (rate limiting), for the audit log.
    func refused(_ request: LoginRequest, _ refusal: SessionRefusal)
    /// The session ended (client logout, upstream drop, kill, error): audit, end its lease.
    func ended(_ grant: SessionGrant, _ summary: SessionEnd)
}
