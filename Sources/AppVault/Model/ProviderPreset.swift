/// Server settings and daily traffic limits a mail provider publishes for app-password clients.
public struct ProviderPreset: Sendable, Codable, Equatable {
    /// The short name used on the command line (`gmail`).
    public var id: String
    /// A human name (`Gmail`).
    public var displayName: String
    /// Incoming mail server.
    public var imap: ServerEndpoint
    /// Outgoing mail server (submission).
    public var smtp: ServerEndpoint
    /// Other outgoing servers the provider offers (Gmail's 587 STARTTLS beside 465 TLS).
    public var smtpAlternatives: [ServerEndpoint]
    /// Bytes a mailbox may download per UTC day before the provider throttles it.
    public var dailyDownloadLimitBytes: Int64
    /// Bytes a mailbox may upload (send) per UTC day.
    public var dailyUploadLimitBytes: Int64
    /// Whether the provider's app passwords are 16 letters shown as `abcd efgh ijkl mnop`.
    public var usesSixteenLetterAppPasswords: Bool

    private static func endpoint(_ host: String, _ port: Int, _ security: TransportSecurity) -> ServerEndpoint {
        // Preset hosts and ports are constants that always validate.
        try! ServerEndpoint(host: host, port: port, security: security)
    }

    private static let megabyte: Int64 = 1_000_000

    /// The presets appvault knows. `Vault/providers.json` holds the same table as data.
    public static let builtIn: [ProviderPreset] = [
        ProviderPreset(
            id: "gmail", displayName: "Gmail",
            imap: endpoint("imap.gmail.com", 993, .tls), smtp: endpoint("smtp.gmail.com", 465, .tls),
            smtpAlternatives: [endpoint("smtp.gmail.com", 587, .starttls)],
            dailyDownloadLimitBytes: 2500 * megabyte, dailyUploadLimitBytes: 500 * megabyte,
            usesSixteenLetterAppPasswords: true),
        ProviderPreset(
            id: "outlook", displayName: "Outlook / Microsoft 365",
            imap: endpoint("outlook.office365.com", 993, .tls), smtp: endpoint("smtp.office365.com", 587, .starttls),
            smtpAlternatives: [],
            dailyDownloadLimitBytes: 2500 * megabyte, dailyUploadLimitBytes: 500 * megabyte,
            usesSixteenLetterAppPasswords: false),
        ProviderPreset(
            id: "yahoo", displayName: "Yahoo Mail",
            imap: endpoint("imap.mail.yahoo.com", 993, .tls), smtp: endpoint("smtp.mail.yahoo.com", 465, .tls),
            smtpAlternatives: [endpoint("smtp.mail.yahoo.com", 587, .starttls)],
            dailyDownloadLimitBytes: 2500 * megabyte, dailyUploadLimitBytes: 500 * megabyte,
            usesSixteenLetterAppPasswords: true),
        ProviderPreset(
            id: "icloud", displayName: "iCloud Mail",
            imap: endpoint("imap.mail.me.com", 993, .tls), smtp: endpoint("smtp.mail.me.com", 587, .starttls),
            smtpAlternatives: [],
            dailyDownloadLimitBytes: 2500 * megabyte, dailyUploadLimitBytes: 500 * megabyte,
            usesSixteenLetterAppPasswords: false),
        ProviderPreset(
            id: "fastmail", displayName: "Fastmail",
            imap: endpoint("imap.fastmail.com", 993, .tls), smtp: endpoint("smtp.fastmail.com", 465, .tls),
            smtpAlternatives: [endpoint("smtp.fastmail.com", 587, .starttls)],
            dailyDownloadLimitBytes: 2500 * megabyte, dailyUploadLimitBytes: 500 * megabyte,
            usesSixteenLetterAppPasswords: false),
    ]

    /// The preset named `id`, or nil.
    public static func named(_ id: String) -> ProviderPreset? {
        builtIn.first { $0.id == id.lowercased() }
    }

    /// Limits used for custom servers, which publish none: the same as Gmail's.
    public static let customDownloadLimitBytes: Int64 = 2500 * megabyte
    /// See ``customDownloadLimitBytes``.
    public static let customUploadLimitBytes: Int64 = 500 * megabyte
}
