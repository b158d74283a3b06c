import Foundation

/// Which mail protocol a credential is used for.
public enum MailProtocol: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Reading mail (RFC 9051 / 3501).
    case imap
    /// Sending mail (RFC 5321 submission).
    case smtp

    public var description: String { rawValue.uppercased() }
}

/// How a connection to the mail server is secured. There is no plaintext mode.
public enum TransportSecurity: String, Sendable, Codable, CaseIterable {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    case tls
    /// A plaintext greeting upgraded with STARTTLS before any credential is sent (IMAP 143, SMTP 587).
    case starttls
}

/// A mail server address: host, port and how the connection is secured.
public struct ServerEndpoint: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The DNS name or IP literal; certificates are checked against it.
    public var host: String
    /// The TCP port (1...65535).
    public var port: Int
    /// TLS from the start, or STARTTLS.
    public var security: TransportSecurity

    /// Creates an endpoint, checking the host and port.
    public init(host: String, port: Int, security: TransportSecurity) throws(VaultError) {
        let trimmed = host.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253,
              trimmed.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-.:[]".unicodeScalars.contains($0)) })
        else { throw .invalidInput("host name '\(host.prefix(80))' is not a valid DNS name or IP address") }
        guard (1...65535).contains(port) else { throw .invalidInput("port \(port) is outside 1-65535") }
        self.host = trimmed.lowercased()
        self.port = port
        self.security = security
    }

    /// Parses `HOST:PORT[:tls|starttls]`; without a mode, 993 and 465 mean TLS and other ports STARTTLS.
    public init(parsing text: String) throws(VaultError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, let port = Int(parts[1]) else {
            throw .invalidInput("server '\(text.prefix(80))' must look like HOST:PORT or HOST:PORT:tls|starttls")
        }
        let security: TransportSecurity
        if parts.count == 3 {
            guard let mode = TransportSecurity(rawValue: parts[2].lowercased()) else {
                throw .invalidInput("security '\(parts[2].prefix(20))' must be tls or starttls")
            }
            security = mode
        } else {
            security = (port == 993 || port == 465) ? .tls : .starttls
        }
        try self.init(host: parts[0], port: port, security: security)
    }

    public var description: String { "\(host):\(port):\(security.rawValue)" }
}

