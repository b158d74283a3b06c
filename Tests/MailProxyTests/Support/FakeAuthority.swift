import AppVault
import Foundation
import MailProxy
import Synchronization
import VaultCrypto

/// An in-process ``SessionAuthority`` that maps test tokens to accounts on the test servers and
/// records every call, so tests can assert what the proxy told it.
final class FakeAuthority: SessionAuthority {
    /// One account the authority knows: the token that opens it and where it logs in.
    struct Account: Sendable {
        var name: String
        var token: String
        var client = "test client"
        var imap: ServerEndpoint
        var smtp: ServerEndpoint
        var username: String
        var password: String
        var expired = false
    }

    /// What the proxy told the authority, in order.
    enum Event: Equatable, Sendable {
        case opened(account: String)
        case upstreamLoggedIn
        case upstreamLoginFailed(UpstreamFailure)
        case refused(SessionRefusal)
        case ended(reason: String)
    }

    private struct State {
        var accounts: [Account]
        var forced: SessionRefusal?
        var verdict = MeterVerdict.proceed
        var events: [Event] = []
        var downloaded: Int64 = 0
        var uploaded: Int64 = 0
        var summaries: [SessionEnd] = []
        var sessions = 0
    }

    private let state: Mutex<State>

    init(_ accounts: [Account]) { state = Mutex(State(accounts: accounts)) }

    /// Refuses every login with `refusal` (nil: back to normal).
    func force(_ refusal: SessionRefusal?) { state.withLock { $0.forced = refusal } }
    /// What ``meter(_:downloaded:uploaded:)`` answers from now on.
    func setVerdict(_ verdict: MeterVerdict) { state.withLock { $0.verdict = verdict } }
    var events: [Event] { state.withLock { $0.events } }
    var summaries: [SessionEnd] { state.withLock { $0.summaries } }
    /// Bytes reported through ``meter(_:downloaded:uploaded:)``.
    var metered: (downloaded: Int64, uploaded: Int64) { state.withLock { ($0.downloaded, $0.uploaded) } }

    /// Waits until `count` sessions ended (or `timeout` passed); returns whether they did.
    func waitForEnded(_ count: Int, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.summaries.count }) >= count { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func open(_ request: LoginRequest, credential: borrowing SecureBytes) throws(SessionRefusal) -> SessionGrant {
        let given = credential.withUnsafeBytes { Array($0) }
        let result: Result<SessionGrant, SessionRefusal> = state.withLock { state in
            if let forced = state.forced { return .failure(forced) }
            guard let account = state.accounts.first(where: { Array($0.token.utf8) == given && $0.name == request.account }) else {
                return .failure(.invalidCredential)
            }
            if account.expired { return .failure(.expired("the token expired")) }
            state.sessions += 1
            state.events.append(.opened(account: account.name))
            return .success(SessionGrant(sessionID: "session-\(state.sessions)", account: account.name, protocol: request.protocol,
                                         endpoint: request.protocol == .imap ? account.imap : account.smtp,
                                         username: account.username, client: account.client))
        }
        return try result.get()
    }

    func withUpstreamSecret<Result>(_ grant: SessionGrant, _ body: (borrowing SecureBytes) throws -> Result) throws -> Result {
        guard let password = state.withLock({ $0.accounts.first { $0.name == grant.account }?.password }) else {
            throw SessionRefusal.accountUnavailable("gone")
        }
        var bytes = Array(password.utf8)
        let secret = try SecureBytes(copying: bytes)
        Memory.wipe(&bytes)
        return try body(secret)
    }

    func upstreamLoggedIn(_ grant: SessionGrant) { record(.upstreamLoggedIn) }
    func upstreamLoginFailed(_ grant: SessionGrant, _ failure: UpstreamFailure) { record(.upstreamLoginFailed(failure)) }
    func refused(_ request: LoginRequest, _ refusal: SessionRefusal) { record(.refused(refusal)) }

    func meter(_ grant: SessionGrant, downloaded: Int64, uploaded: Int64) -> MeterVerdict {
        state.withLock {
            $0.downloaded += downloaded
            $0.uploaded += uploaded
            return $0.verdict
        }
    }

    func ended(_ grant: SessionGrant, _ summary: SessionEnd) {
        state.withLock {
            $0.events.append(.ended(reason: summary.reason))
            $0.summaries.append(summary)
        }
    }

    private func record(_ event: Event) { state.withLock { $0.events.append(event) } }
}
