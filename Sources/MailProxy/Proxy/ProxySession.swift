internal import AppVault
internal import Logging
internal import MailConnectors
internal import VaultCrypto
#if canImport(Glibc)
internal import Glibc
#endif

/// One local connection from accept to close: TLS if asked, the pre-login dialogue, admission
/// (rate limit, authority, upstream login), then the relay.
final class ProxySession {
    private let proxy: MailProxy
    private let stream: LocalStream
    private let mailProtocol: MailProtocol
    private let peer: ProxyPeer
    private let transport: LocalTransport
    private var logger: Logger
    private let deadline: ContinuousClock.Instant

    /// What became of one login attempt.
    private enum Admission {
        /// Relaying is over; the connection is done.
        case served
        /// Refused; the dialogue goes on unless `closes`.
        case refused(SessionRefusal, closes: Bool)
    }

    init(proxy: MailProxy, descriptor: Int32, protocol: MailProtocol, peer: ProxyPeer, transport: LocalTransport) {
        self.proxy = proxy
        stream = LocalStream(descriptor: descriptor)
        mailProtocol = `protocol`
        self.peer = peer
        self.transport = transport
        deadline = .now + proxy.configuration.preLoginTimeout
        logger = proxy.logger
        logger[metadataKey: "endpoint"] = "\(`protocol`)"
        logger[metadataKey: "peer"] = "\(ProxyReply.sanitize(peer.description))"
    }

    func run() {
        defer { stream.close() }
        let configuration = proxy.configuration
        if transport != .plain && configuration.localTLS == nil {
            logger.error("local TLS requested for this endpoint but no certificate is configured; closing")
            return
        }
        if transport == .implicitTLS, let tls = configuration.localTLS {
            do { try stream.startTLS(tls, timeout: deadline - .now) } catch {
                logger.info("local TLS handshake failed", metadata: ["error": "\(error)"])
                return
            }
        }
        let offersSTARTTLS = transport == .plainWithSTARTTLS
        let tlsActive = transport == .implicitTLS
        switch mailProtocol {
        case .imap:
            var frontEnd = IMAPPreLogin(greetingName: configuration.greetingName, maxLiteralBytes: configuration.maxPreLoginLineBytes,
                                        offersSTARTTLS: offersSTARTTLS, tlsActive: tlsActive)
            converse(&frontEnd)
        case .smtp:
            var frontEnd = SMTPPreLogin(greetingName: configuration.greetingName, offersSTARTTLS: offersSTARTTLS,
                                        tlsActive: tlsActive)
            converse(&frontEnd)
        }
    }

    /// The pre-login dialogue, until a login is relayed or the client leaves.
    private func converse<Dialogue: FrontEnd>(_ frontEnd: inout Dialogue) {
        var channel = ClientChannel(stream: stream, deadline: deadline, maxLineBytes: proxy.configuration.maxPreLoginLineBytes)
        var failures = 0
        do {
            try channel.send(frontEnd.greeting)
            while true {
                let event = try frontEnd.next(&channel)
                switch consume event {
                case .leave:
                    return
                case .startTLS:
                    guard let tls = proxy.configuration.localTLS else { return }
                    channel.discardBuffered()
                    do { try stream.startTLS(tls, timeout: deadline - .now) } catch {
                        logger.info("local STARTTLS handshake failed", metadata: ["error": "\(error)"])
                        return
                    }
                case .login(let tag, let attempt):
                    switch admit(attempt, tag: tag, frontEnd: frontEnd, channel: channel) {
                    case .served:
                        return
                    case .refused(let refusal, let closes):
                        try channel.send(frontEnd.refused(tag: tag, refusal))
                        failures += 1
                        if closes || failures >= proxy.configuration.maxFailedLogins {
                            farewell(frontEnd.goodbye(closes ? .unavailable : .tooManyFailures), on: channel)
                            return
                        }
                    }
                }
            }
        } catch {
            logger.debug("connection ended before login", metadata: ["reason": "\(error)"])
            switch error {
            case .timedOut: farewell(frontEnd.goodbye(.timedOut), on: channel)
            case .lineTooLong, .literalTooLong: farewell(frontEnd.goodbye(.tooLong), on: channel)
            case .closed, .failed: break
            }
        }
    }

    /// Last words, best effort: a client that does not read gets a tenth of a second.
    private func farewell(_ bytes: [UInt8], on channel: ClientChannel) {
        channel.deadline = .now + .milliseconds(100)
        try? channel.send(bytes)
    }

    /// Decides one login: rate limit, credential, upstream login; on success relays until the end.
    /// The credential is destroyed (zeroed) as soon as the authority has checked it.
    private func admit(_ attempt: consuming LoginAttempt, tag: String?, frontEnd: some FrontEnd,
                       channel: ClientChannel) -> Admission {
        let request = LoginRequest(account: attempt.account, protocol: mailProtocol, peer: peer)
        let account = ProxyReply.sanitize(attempt.account)
        let key = peer.rateLimitKey
        if let wait = proxy.limiter.retryAfter(key, now: .now) {
            logger.notice("login refused: too many failures from this peer", metadata: ["account": "\(account)"])
            proxy.authority.refused(request, .rateLimited(retryAfterSeconds: wait))
            return .refused(.rateLimited(retryAfterSeconds: wait), closes: false)
        }
        let decision: Result<SessionGrant, SessionRefusal>
        do {
            decision = .success(try proxy.authority.open(request, credential: attempt.credential))
        } catch {
            decision = .failure(error)
        }
        _ = consume attempt
        let grant: SessionGrant
        switch decision {
        case .success(let granted):
            grant = granted
        case .failure(let error):
            logger.notice("login refused", metadata: ["account": "\(account)", "refusal": "\(error)"])
            switch error {
            case .invalidCredential, .expired:
                proxy.limiter.recordFailure(key, now: .now)
                sleep(for: proxy.configuration.failureDelay)
            default:
                break
            }
            return .refused(error, closes: false)
        }
        proxy.limiter.recordSuccess(key)
        return relay(grant, tag: tag, frontEnd: frontEnd, channel: channel)
    }

    /// Logs in upstream for an admitted session and relays it.
    private func relay(_ grant: SessionGrant, tag: String?, frontEnd: some FrontEnd, channel: ClientChannel) -> Admission {
        var logger = logger
        logger[metadataKey: "session"] = "\(grant.sessionID)"
        logger[metadataKey: "account"] = "\(grant.account)"
        let started = ContinuousClock.now
        let authority = proxy.authority
        guard let handle = SessionHandle(grant: grant) else {
            authority.ended(grant, SessionEnd(bytesFromUpstream: 0, bytesToUpstream: 0, duration: .zero,
                                                  reason: "out of file descriptors"))
            return .refused(.unavailable("the agent is out of file descriptors"), closes: true)
        }
        proxy.sessions.add(handle)
        func end(_ reason: String, _ traffic: (Int64, Int64) = (0, 0)) {
            proxy.sessions.remove(handle)
            authority.ended(grant, SessionEnd(bytesFromUpstream: traffic.0, bytesToUpstream: traffic.1,
                                                  duration: .now - started, reason: reason))
        }
        let link: any UpstreamLink
        do {
            let upstream = proxy.upstream
            link = try authority.withUpstreamSecret(grant) { secret in try upstream.connect(grant, secret: secret) }
        } catch let failure as UpstreamFailure {
            logger.warning("upstream login failed", metadata: ["failure": "\(failure)"])
            authority.upstreamLoginFailed(grant, failure)
            end("upstream login failed")
            return .refused(ProxyReply.refusal(for: failure), closes: false)
        } catch let refusal as SessionRefusal {
            end("refused before the upstream login: \(refusal)")
            return .refused(refusal, closes: false)
        } catch {
            logger.error("upstream secret unavailable", metadata: ["error": "\(error)"])
            end("upstream secret unavailable")
            return .refused(.unavailable("the vault could not provide the account's password"), closes: false)
        }
        authority.upstreamLoggedIn(grant)
        defer { link.stream.close() }
        if let reason = handle.endReason {
            farewell(frontEnd.goodbye(.ended(reason)), on: channel)
            end(reason, link.loginTraffic)
            return .served
        }
        logger.info("session started", metadata: ["client": "\(ProxyReply.sanitize(grant.client))"])
        let relay = Relay(client: stream, upstream: link.stream, dialect: frontEnd.dialect, handle: handle,
                          configuration: proxy.configuration) { downloaded, uploaded in
            authority.meter(grant, downloaded: downloaded, uploaded: uploaded)
        }
        let outcome = relay.run(fromClient: channel.takeBuffered(),
                                toClient: frontEnd.loggedIn(tag: tag, upstreamCapabilities: link.capabilities),
                                loginTraffic: link.loginTraffic)
        logger.info("session ended", metadata: ["reason": "\(outcome.reason)", "downloaded": "\(outcome.downloaded)",
                                                "uploaded": "\(outcome.uploaded)"])
        end(outcome.reason, (outcome.downloaded, outcome.uploaded))
        return .served
    }

    private func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
