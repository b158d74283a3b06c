/// Text that strangers control (server replies, client-supplied names) made safe for a log line
/// or a protocol reply: printable ASCII only (CR, LF and control bytes become `?`), at most 200
/// characters. The same rule as ``ConnectorError``'s messages.
package enum SafeText {
    /// `text`, sanitised.
    package static func sanitize(_ text: String) -> String { ConnectorError.sanitize(text) }
}
