import Logging
import Synchronization
@testable import MailConnectors

/// Collects every log line (message and metadata) in memory, so tests can prove that no
/// secret is ever logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger at trace level that writes here.
    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything logged so far.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    /// Whether anything logged contains `password`, its base64, or the base64 of the SASL PLAIN
    /// message for `user` (what actually goes over the wire).
    func reveals(password: String, user: String) -> Bool {
        let text = self.text
        let forms = [password, Base64.encode(Array(password.utf8)),
                     Base64.encode([0] + Array(user.utf8) + [0] + Array(password.utf8))]
        return forms.contains { text.contains($0) }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(all)")
        }
    }
}
