import Foundation
import Glibc

/// The progress line `fetch --save` draws on standard error while it saves: messages done of
/// all, bytes written, and the rate. Only when standard error is a terminal; nothing at all when
/// it is piped or redirected (cron, scripts). Redrawn at most ten times a second.
final class FetchProgress {
    private let enabled: Bool
    private let totalMessages: Int
    private let totalBytes: Int
    private var messages = 0
    private var bytes = 0
    private let start = ContinuousClock.now
    private var drawn: ContinuousClock.Instant?

    /// A progress line for `messages` messages of about `bytes` bytes in all.
    init(messages: Int, bytes: Int, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled && messages > 0
        totalMessages = messages
        totalBytes = bytes
    }

    /// `count` more bytes written.
    func add(bytes count: Int) {
        bytes += count
        draw()
    }

    /// `count` more messages done.
    func add(messages count: Int) {
        messages += count
        draw(force: true)
    }

    /// Clears the line (the summary follows on its own line).
    func finish() {
        guard enabled, drawn != nil else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw(force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if !force, let drawn, now - drawn < .milliseconds(100) { return }
        drawn = now
        let elapsed = (now - start).components
        let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
        let rate = Output.bytes(Int(Double(bytes) / seconds)) + "/s"
        let line = "\r\u{1B}[Ksaving \(messages)/\(totalMessages) messages, \(Output.bytes(bytes)) of ~\(Output.bytes(totalBytes)), \(rate)"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
