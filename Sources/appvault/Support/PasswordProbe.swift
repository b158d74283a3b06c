import AppVault
import MailConnectors
import VaultCrypto

/// Logs in with a password that is not stored yet (`add --verify`, `rotate --verify`), over
/// IMAP and then SMTP, so a wrong password is caught before it replaces anything.
enum PasswordProbe {
    /// Throws the first failure; nothing is metered, since the account may not exist yet.
    static func check(_ password: borrowing SecureBytes, account: String, username: String,
                      imap: ServerEndpoint, smtp: ServerEndpoint, mail: MailOptions) throws {
        let options = try mail.connection(budget: nil)
        let imapClient = try IMAPClient.connect(endpoint: imap, username: username, password: password,
                                                account: account, options: options, logger: CLILogging.logger)
        try imapClient.logout()
        let smtpClient = try SMTPClient.connect(endpoint: smtp, username: username, password: password,
                                                account: account, options: options, logger: CLILogging.logger)
        try smtpClient.quit()
        Output.notice("Verified: the password logs in to \(imap) and \(smtp)")
    }
}
