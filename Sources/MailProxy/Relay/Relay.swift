internal import MailConnectors
#if canImport(Glibc)
internal import Glibc
#endif

/// Moves bytes both ways between the local client and the mail server on the session's thread,
/// until either side leaves, the session is ended (registry), or the traffic limit is reached.
///
/// One `poll` covers both sockets and the session's wake-up socket; bytes OpenSSL already
/// decrypted (`SSL_pending`) are read before polling. Each direction buffers at most
/// ``ProxyConfiguration/relayBufferBytes``: a side that does not read stops the other side's
/// reads (back-pressure), never memory growth. The server's stream is framed (``StreamFraming``)
/// so the proxy's own `* BYE`/`421` is added only between two responses.
final class Relay {
    /// How the relay ended.
    struct Outcome {
        /// For the audit log: `client logged out`, `upstream closed the connection`, the end reason...
        var reason: String
        /// Bytes read from the server.
        var downloaded: Int64
        /// Bytes written to the server.
        var uploaded: Int64
    }

    private enum Phase {
        case relaying
        /// The client left: flush what it sent, log out for it, close.
        case clientLeft(until: ContinuousClock.Instant)
        /// The server left: flush what it sent (and a farewell) to the client, close.
        case upstreamLeft(until: ContinuousClock.Instant)
        /// Ending by request: add the end message at the next boundary, flush, close.
        case ending(message: [UInt8], boundaryBy: ContinuousClock.Instant, until: ContinuousClock.Instant, injected: Bool)
    }

    private let client: any RelayStream
    private let upstream: any RelayStream
    private let handle: SessionHandle
    private let configuration: ProxyConfiguration
    private let meter: (_ downloaded: Int64, _ uploaded: Int64) -> MeterVerdict
    private let dialect: RelayDialect
    private var serverFraming: any StreamFraming
    private var clientFraming: (any StreamFraming)?
    private var toUpstream = ByteQueue()
    private var toClient = ByteQueue()
    private var phase = Phase.relaying
    private var reason = "session ended"
    private var leaveSent = false
    private var downloaded: Int64 = 0
    private var uploaded: Int64 = 0
    private var unreportedDown: Int64 = 0
    private var unreportedUp: Int64 = 0
    private var lastReport = ContinuousClock.now
    private var clientReadWait: StreamReadiness?
    private var clientWriteWait: StreamReadiness?
    private var upstreamReadWait: StreamReadiness?
    private var upstreamWriteWait: StreamReadiness?
    private let chunk: UnsafeMutableRawBufferPointer

    init(client: any RelayStream, upstream: any RelayStream, dialect: RelayDialect, handle: SessionHandle,
         configuration: ProxyConfiguration, meter: @escaping (Int64, Int64) -> MeterVerdict) {
        self.client = client
        self.upstream = upstream
        self.dialect = dialect
        self.serverFraming = dialect.serverFraming
        self.clientFraming = dialect.clientFraming
        self.handle = handle
        self.configuration = configuration
        self.meter = meter
        chunk = .allocate(byteCount: configuration.relayBufferBytes, alignment: 16)
    }

    deinit { chunk.deallocate() }

    /// Relays until the session ends. `fromClient`: what the client sent after its login command;
    /// `toClient`: the login reply. `loginTraffic` is counted and reported with the first bytes.
    func run(fromClient: [UInt8], toClient reply: [UInt8], loginTraffic: (downloaded: Int64, uploaded: Int64)) -> Outcome {
        downloaded = loginTraffic.downloaded
        uploaded = loginTraffic.uploaded
        unreportedDown = downloaded
        unreportedUp = uploaded
        fromClient.withUnsafeBytes { _ = clientFraming?.consume($0) }
        toUpstream.append(fromClient)
        toClient.append(reply)
        while true {
            if case .relaying = phase, let text = handle.endReason { beginEnding(reason: text, imapCode: nil) }
            transfer()
            report(force: false)
            if isFinished() { break }
            waitForEvents()
        }
        report(force: true)
        return Outcome(reason: reason, downloaded: downloaded, uploaded: uploaded)
    }

    // MARK: - Moving bytes

    private var readsClient: Bool {
        if case .relaying = phase { return toUpstream.count < configuration.relayBufferBytes }
        return false
    }

    private var readsUpstream: Bool {
        guard toClient.count < configuration.relayBufferBytes else { return false }
        switch phase {
        case .relaying: return true
        case .ending(_, _, _, let injected): return !injected
        case .clientLeft, .upstreamLeft: return false
        }
    }

    private var writesClient: Bool {
        if case .clientLeft = phase { return false }
        return !toClient.isEmpty
    }

    private func transfer() {
        if readsClient && (clientReadWait == nil || client.hasPendingInput) { readClient() }
        if !toUpstream.isEmpty && upstreamWriteWait == nil { writeUpstream() }
        if readsUpstream && (upstreamReadWait == nil || upstream.hasPendingInput) { readUpstream() }
        if writesClient && clientWriteWait == nil { writeClient() }
    }

    /// How a batch of reads into the chunk ended.
    private enum ReadEnd {
        /// The chunk or the other side's queue is full: send, then read on.
        case full
        /// Nothing more now; poll for this.
        case wait(StreamReadiness)
        /// The stream ended.
        case gone
        /// The end message went in at a boundary: stop reading.
        case injected
    }

    /// Reads what `stream` has into the chunk, read after read, so one write can carry several
    /// TLS records. `take` sees each piece; returning a length stops the batch there (the
    /// session's end message goes in at that boundary).
    /// - Returns: the bytes in the chunk and how the batch ended (`.injected` when `take` stopped it).
    private func fill(from stream: any RelayStream, room: Int,
                      _ take: (UnsafeRawBufferPointer) -> Int?) -> (filled: Int, end: ReadEnd) {
        var filled = 0
        while filled < room {
            let progress = stream.readAvailable(into: UnsafeMutableRawBufferPointer(rebasing: chunk[filled..<room]))
            switch progress {
            case .transferred(let count):
                if let cut = take(UnsafeRawBufferPointer(rebasing: chunk[filled..<(filled + count)])) {
                    return (filled + cut, .injected)
                }
                filled += count
            case .wait(let readiness):
                return (filled, .wait(readiness))
            case .closed, .failed:
                return (filled, .gone)
            }
        }
        return (filled, .full)
    }

    /// Reads what the client has and passes it to the server.
    private func readClient() {
        while readsClient {
            let (filled, end) = fill(from: client, room: min(chunk.count, configuration.relayBufferBytes - toUpstream.count)) {
                _ = clientFraming?.consume($0)
                return nil
            }
            if filled > 0 {
                clientReadWait = nil
                let bytes = UnsafeRawBufferPointer(rebasing: chunk[..<filled])
                guard let written = Self.pass(bytes, to: upstream, queue: &toUpstream, wait: &upstreamWriteWait) else {
                    return upstreamGone()
                }
                uploaded += Int64(written)
                unreportedUp += Int64(written)
            }
            switch end {
            case .full, .injected: continue
            case .wait(let readiness): clientReadWait = readiness
            case .gone: clientGone()
            }
            return
        }
    }

    /// Reads what the server has, follows its framing and passes it to the client. When the
    /// session is ending, stops at the first boundary and adds the end message there.
    private func readUpstream() {
        while readsUpstream {
            let (filled, end) = fill(from: upstream, room: min(chunk.count, configuration.relayBufferBytes - toClient.count)) {
                downloaded += Int64($0.count)
                unreportedDown += Int64($0.count)
                let boundary = serverFraming.consume($0)
                guard case .ending(_, _, _, false) = phase else { return nil }
                return boundary
            }
            if filled > 0 { upstreamReadWait = nil }
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[..<filled])
            switch end {
            case .injected:
                guard case .ending(let message, let boundaryBy, let until, _) = phase else { return }
                toClient.append(bytes)
                toClient.append(message)
                phase = .ending(message: message, boundaryBy: boundaryBy, until: until, injected: true)
                return
            case .full, .wait, .gone:
                if filled > 0 && Self.pass(bytes, to: client, queue: &toClient, wait: &clientWriteWait) == nil { return clientGone() }
            }
            switch end {
            case .full: continue
            case .wait(let readiness): upstreamReadWait = readiness
            case .gone: upstreamGone()
            case .injected: break
            }
            return
        }
    }

    private func writeUpstream() {
        while !toUpstream.isEmpty {
            switch toUpstream.withBytes({ upstream.writeAvailable($0) }) {
            case .transferred(let count):
                toUpstream.drop(count)
                uploaded += Int64(count)
                unreportedUp += Int64(count)
            case .wait(let readiness):
                upstreamWriteWait = readiness
                return
            case .closed, .failed:
                toUpstream.clear()
                upstreamGone()
                return
            }
        }
    }

    /// Writes `bytes` to `stream` at once when nothing waits before them (no copy), and queues
    /// what it did not take. Returns the bytes written now, or nil when the stream is gone.
    private static func pass(_ bytes: UnsafeRawBufferPointer, to stream: any RelayStream, queue: inout ByteQueue,
                             wait: inout StreamReadiness?) -> Int? {
        var written = 0
        if queue.isEmpty && wait == nil {
            switch stream.writeAvailable(bytes) {
            case .transferred(let count): written = count
            case .wait(let readiness): wait = readiness
            case .closed, .failed: return nil
            }
        }
        if written < bytes.count { queue.append(UnsafeRawBufferPointer(rebasing: bytes[written...])) }
        return written
    }

    private func writeClient() {
        while writesClient {
            switch toClient.withBytes({ client.writeAvailable($0) }) {
            case .transferred(let count):
                toClient.drop(count)
            case .wait(let readiness):
                clientWriteWait = readiness
                return
            case .closed, .failed:
                toClient.clear()
                clientGone()
                return
            }
        }
    }

    // MARK: - Ending

    private func beginEnding(reason text: String, imapCode: String?) {
        reason = text
        let now = ContinuousClock.now
        let message = dialect.endMessage(text, imapCode)
        let followable = !serverFraming.opaque && clientFraming?.opaque != true
        // Without framing nothing can be added safely: close as soon as possible.
        let boundaryBy = followable ? now + configuration.killGrace : now
        phase = .ending(message: message, boundaryBy: boundaryBy, until: now + .milliseconds(950), injected: false)
        if followable && serverFraming.atBoundary {
            toClient.append(message)
            phase = .ending(message: message, boundaryBy: boundaryBy, until: now + .milliseconds(950), injected: true)
        }
    }

    private func clientGone() {
        switch phase {
        case .relaying:
            reason = clientLeft ? "client logged out" : "client closed the connection"
            toClient.clear()
            phase = .clientLeft(until: .now + .seconds(1))
        case .upstreamLeft:
            toClient.clear()
        case .ending(let message, let boundaryBy, _, let injected):
            toClient.clear()
            phase = .ending(message: message, boundaryBy: boundaryBy, until: .now, injected: injected)
        case .clientLeft:
            break
        }
    }

    private func upstreamGone() {
        switch phase {
        case .relaying:
            reason = clientLeft ? "client logged out"
                : serverFraming.senderIsLeaving ? "upstream ended the session" : "upstream closed the connection"
            if serverFraming.atBoundary && !serverFraming.senderIsLeaving && !serverFraming.opaque
                && clientFraming?.opaque != true {
                toClient.append(dialect.upstreamClosedMessage)
            }
            phase = .upstreamLeft(until: .now + .seconds(1))
        case .clientLeft:
            toUpstream.clear()
            leaveSent = true
        case .ending(let message, let boundaryBy, let until, false):
            // The boundary will never come; close without the message.
            phase = .ending(message: message, boundaryBy: min(boundaryBy, .now), until: until, injected: false)
        case .upstreamLeft, .ending:
            break
        }
    }

    /// Whether the client ended the session itself (LOGOUT, or QUIT answered).
    private var clientLeft: Bool { clientFraming?.showsClientLeaving == true || serverFraming.showsClientLeaving }

    private func isFinished() -> Bool {
        let now = ContinuousClock.now
        switch phase {
        case .relaying:
            return false
        case .clientLeft(let until):
            if now >= until { return true }
            guard toUpstream.isEmpty else { return false }
            if leaveSent { return true }
            leaveSent = true
            guard let leave = dialect.leaveCommand, let framing = clientFraming,
                  framing.atBoundary, !framing.senderIsLeaving, !framing.opaque else { return true }
            toUpstream.append(leave)
            writeUpstream()
            return toUpstream.isEmpty
        case .upstreamLeft(let until):
            return toClient.isEmpty || now >= until
        case .ending(_, let boundaryBy, let until, let injected):
            if now >= until { return true }
            return injected ? toClient.isEmpty : now >= boundaryBy
        }
    }

    // MARK: - Metering

    private func report(force: Bool) {
        let pending = unreportedDown + unreportedUp
        guard pending > 0 else { return }
        guard force || pending >= configuration.meterBytes
                || ContinuousClock.now - lastReport >= configuration.meterInterval else { return }
        let verdict = meter(unreportedDown, unreportedUp)
        unreportedDown = 0
        unreportedUp = 0
        lastReport = .now
        if case .limitReached(let text) = verdict, case .relaying = phase {
            beginEnding(reason: ProxyReply.sanitize("daily traffic limit reached: \(text)"), imapCode: "OVERQUOTA")
        }
    }

    // MARK: - Waiting

    private func waitForEvents() {
        var timeout: Duration?
        func soonest(_ candidate: Duration) { timeout = min(timeout ?? candidate, candidate) }
        let now = ContinuousClock.now
        switch phase {
        case .relaying: break
        case .clientLeft(let until), .upstreamLeft(let until): soonest(until - now)
        case .ending(_, let boundaryBy, let until, let injected): soonest((injected ? until : min(boundaryBy, until)) - now)
        }
        if unreportedDown + unreportedUp > 0 { soonest(lastReport + configuration.meterInterval - now) }
        if (readsClient && client.hasPendingInput) || (readsUpstream && upstream.hasPendingInput) { soonest(.zero) }

        var clientEvents: Int16 = 0
        if readsClient { clientEvents |= (clientReadWait ?? .readable).pollEvents }
        if writesClient { clientEvents |= (clientWriteWait ?? .writable).pollEvents }
        var upstreamEvents: Int16 = 0
        if readsUpstream { upstreamEvents |= (upstreamReadWait ?? .readable).pollEvents }
        if !toUpstream.isEmpty { upstreamEvents |= (upstreamWriteWait ?? .writable).pollEvents }
        // A descriptor with nothing asked is left out: its hang-up would wake the loop for nothing.
        var entries = [
            pollfd(fd: clientEvents == 0 ? -1 : client.descriptor, events: clientEvents, revents: 0),
            pollfd(fd: upstreamEvents == 0 ? -1 : upstream.descriptor, events: upstreamEvents, revents: 0),
            pollfd(fd: handle.wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let result = poll(&entries, 3, timeout.map(Readiness.milliseconds) ?? -1)
        guard result > 0 else { return }
        if entries[0].revents != 0 {
            clientReadWait = nil
            clientWriteWait = nil
        }
        if entries[1].revents != 0 {
            upstreamReadWait = nil
            upstreamWriteWait = nil
        }
        if entries[2].revents != 0 { handle.acknowledgeWake() }
    }
}
