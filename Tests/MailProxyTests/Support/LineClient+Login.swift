import Foundation

extension LineClient {
    /// Reads the IMAP greeting and sends `tag LOGIN account "token"`; returns the tagged reply.
    func imapLogin(account: String, token: String, tag: String = "a") -> String? {
        guard readLine()?.hasPrefix("* OK") == true else { return nil }
        send("\(tag) LOGIN \(account) \"\(token)\"\r\n")
        return readUntil("\(tag) ")?.last
    }

    /// Reads the SMTP greeting, says EHLO and sends `AUTH PLAIN`; returns the reply.
    func smtpLogin(account: String, token: String) -> String? {
        guard readLine()?.hasPrefix("220 ") == true else { return nil }
        send("EHLO line-client.test\r\n")
        guard readUntil("250 ") != nil else { return nil }
        send("AUTH PLAIN \(Data(("\0\(account)\0\(token)").utf8).base64EncodedString())\r\n")
        return readLine()
    }
}
