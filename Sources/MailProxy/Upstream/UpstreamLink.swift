package import MailConnectors

/// An authenticated connection to the mail server, ready to relay: what an
/// ``UpstreamConnector`` returns. The proxy owns it from then on and closes its stream.
package protocol UpstreamLink: AnyObject {
    /// The logged-in connection (TLS-aware, non-blocking, with any bytes the login left buffered).
    var stream: any RelayStream { get }
    /// IMAP: the server's capabilities after login, which the local client is sent in its
    /// `OK [CAPABILITY ...]`. SMTP: the EHLO keywords (with parameters) the server offered over TLS.
    var capabilities: [String] { get }
    /// Bytes received from and sent to the server during the login, counted in the session's traffic.
    var loginTraffic: (downloaded: Int64, uploaded: Int64) { get }
}
