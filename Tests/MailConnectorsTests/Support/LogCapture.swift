import TestSupport
@testable import MailConnectors

extension LogCapture {
    /// Whether anything logged contains `password`, its base64, or the base64 of the SASL PLAIN
    /// message for `user` (what actually goes over the wire).
    func reveals(password: String, user: String) -> Bool {
        let text = self.text
        let forms = [password, Base64.encode(Array(password.utf8)),
                     Base64.encode([0] + Array(user.utf8) + [0] + Array(password.utf8))]
        return forms.contains { text.contains($0) }
    }
}
