/// The entry point of the libFuzzer target in Tests/Fuzz/ProxyPreLogin: arbitrary client bytes
/// through both pre-login dialogues (IMAP and SMTP, with SASL and base64 decoding), and arbitrary
/// server bytes through the relay's framing. Any input must end in replies or a clean end of
/// the dialogue, never a trap, and take time linear in its length.
package enum PreLoginFuzzing {
    /// Runs every pre-login parser and stream framer over `bytes`.
    package static func run(_ bytes: [UInt8]) {
        imap(bytes)
        smtp(bytes)
        frame(bytes)
    }

    private static func imap(_ bytes: [UInt8]) {
        var channel = MemoryChannel(input: bytes, maxLineBytes: 512)
        var dialogue = IMAPPreLogin(greetingName: "fuzz", maxLiteralBytes: 512, offersSTARTTLS: true, tlsActive: false)
        converse(&dialogue, &channel)
    }

    private static func smtp(_ bytes: [UInt8]) {
        var channel = MemoryChannel(input: bytes, maxLineBytes: 512)
        var dialogue = SMTPPreLogin(greetingName: "fuzz", offersSTARTTLS: true, tlsActive: false)
        converse(&dialogue, &channel)
    }

    /// Answers every login as the authority would answer a wrong token, until the input ends.
    private static func converse(_ dialogue: inout some FrontEnd, _ channel: inout MemoryChannel) {
        while true {
            do {
                let event = try dialogue.next(&channel)
                switch consume event {
                case .login(let tag, let attempt):
                    _ = attempt.credential.count
                    try channel.send(dialogue.refused(tag: tag, .invalidCredential))
                case .startTLS:
                    continue
                case .leave:
                    return
                }
            } catch {
                return
            }
        }
    }

    private static func frame(_ bytes: [UInt8]) {
        var framings: [any StreamFraming] = [IMAPFraming(sender: .server), IMAPFraming(sender: .client), SMTPFraming()]
        // Whole, then split at a point the input chooses, so chunk boundaries are exercised too.
        let split = bytes.first.map { Int($0) % (bytes.count + 1) } ?? 0
        for index in framings.indices {
            bytes[..<split].withUnsafeBytes { _ = framings[index].consume($0) }
            bytes[split...].withUnsafeBytes { _ = framings[index].consume($0) }
        }
    }
}
