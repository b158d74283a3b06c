package import Logging
package import MailConnectors
package import VaultCrypto

/// The real upstream: `IMAPClient`/`SMTPClient` log in over verified TLS or STARTTLS exactly as
/// the connectors always do, then hand over their connection. Failures are classified with
/// `LoginFailure`, so only a provider's rejection of the password reads as a dead password.
package struct MailUpstreamConnector: UpstreamConnector {
    private let options: ConnectionOptions
    private let logger: Logger

    /// Connects with `options` (trust anchors, time-outs, limits). Its traffic budget is ignored:
    /// proxied traffic is metered through ``SessionAuthority/meter(_:downloaded:uploaded:)``.
    /// Also turns off OpenSSL's clean-up at exit (`OpenSSLRuntime`), which would race with
    /// session threads still running when the process ends.
    package init(options: ConnectionOptions, logger: Logger) {
        OpenSSLRuntime.disableExitCleanup()
        var options = options
        options.trafficBudget = nil
        self.options = options
        self.logger = logger
    }

    package func connect(_ grant: SessionGrant, secret: borrowing SecureBytes) throws(UpstreamFailure) -> any UpstreamLink {
        do {
            switch grant.protocol {
            case .imap:
                let client = try IMAPClient.connect(endpoint: grant.endpoint, username: grant.username, password: secret,
                                                    account: grant.account, options: options, logger: logger,
                                                    enablingUTF8: false)
                let traffic = (client.bytesRead, client.bytesWritten)
                let first = client.capabilities.filter { $0.hasPrefix("IMAP4REV") }.sorted()
                let capabilities = first + client.capabilities.subtracting(first).sorted()
                return ConnectorLink(stream: client.handOverConnection(), capabilities: capabilities, loginTraffic: traffic)
            case .smtp:
                let client = try SMTPClient.connect(endpoint: grant.endpoint, username: grant.username, password: secret,
                                                    account: grant.account, options: options, logger: logger)
                let traffic = (client.bytesRead, client.bytesWritten)
                let extensions = client.extensions.sorted { $0.key < $1.key }
                    .map { $0.value.isEmpty ? $0.key : "\($0.key) \($0.value)" }
                return ConnectorLink(stream: client.handOverConnection(), capabilities: extensions, loginTraffic: traffic)
            }
        } catch {
            throw UpstreamFailure(LoginFailure.classify(error))
        }
    }
}

/// A connection handed over by a connector client.
private final class ConnectorLink: UpstreamLink {
    let stream: any RelayStream
    let capabilities: [String]
    let loginTraffic: (downloaded: Int64, uploaded: Int64)

    init(stream: any RelayStream, capabilities: [String], loginTraffic: (Int64, Int64)) {
        self.stream = stream
        self.capabilities = capabilities
        self.loginTraffic = loginTraffic
    }
}
