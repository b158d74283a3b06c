extension IMAPPreLogin: FrontEnd {
    /// `tag OK [CAPABILITY <the server's>] ...`, without COMPRESS: compression would hide the
    /// stream's framing from the relay (docs/proxy.md).
    func loggedIn(tag: String?, upstreamCapabilities: [String]) -> [UInt8] {
        let offered = upstreamCapabilities.filter { !$0.uppercased().hasPrefix("COMPRESS=") }
        return Array("\(tag ?? "*") OK [CAPABILITY \(offered.joined(separator: " "))] Logged in through appvault\r\n".utf8)
    }

    func refused(tag: String?, _ refusal: SessionRefusal) -> [UInt8] { ProxyReply.imap(tag: tag ?? "*", refusal) }

    func goodbye(_ reason: Goodbye) -> [UInt8] {
        let text = switch reason {
        case .tooManyFailures: "Too many failed logins"
        case .timedOut: "Autologout; no login in time"
        case .tooLong: "Line or literal too long"
        case .ended(let why): ProxyReply.sanitize(why)
        case .unavailable: "Service unavailable, closing"
        }
        return Array("* BYE \(text)\r\n".utf8)
    }

    var dialect: RelayDialect { .imap }
}
