extension SMTPPreLogin: FrontEnd {
    /// `235 2.7.0`. The server's extensions are not repeated: a client that wants them sends
    /// EHLO again, which the server answers itself (docs/proxy.md).
    func loggedIn(tag: String?, upstreamCapabilities: [String]) -> [UInt8] {
        Array("235 2.7.0 Authentication successful\r\n".utf8)
    }

    func refused(tag: String?, _ refusal: SessionRefusal) -> [UInt8] { ProxyReply.smtp(refusal) }

    func goodbye(_ reason: Goodbye) -> [UInt8] {
        let line = switch reason {
        case .tooManyFailures: "421 4.7.0 Too many failed logins, closing connection"
        case .timedOut: "421 4.4.2 No login in time, closing connection"
        case .tooLong: "500 5.5.6 Line too long"
        case .ended(let why): "421 4.7.0 \(ProxyReply.sanitize(why))"
        case .unavailable: "421 4.3.2 Service unavailable, closing connection"
        }
        return Array("\(line)\r\n".utf8)
    }

    var dialect: RelayDialect { .smtp }
}
