/// Entry points for the libFuzzer targets in Tests/Fuzz: the pure protocol parsers run over
/// arbitrary server bytes. Any input must end in a value or a ``ConnectorError``, never a trap.
package enum ParserFuzzing {
    /// Frames and parses IMAP responses until the bytes run out or one is refused; FETCH data
    /// also goes through the envelope decoder, as `inbox` does.
    package static func imapResponses(_ bytes: [UInt8]) {
        var source = MemorySource(bytes: bytes)
        let parser = IMAPResponseParser(maxLineBytes: 4096, maxResponseBytes: 1 << 20)
        while !source.isEmpty {
            guard let response = try? parser.read(from: &source) else { return }
            if case .data(let number?, "FETCH", let values) = response {
                _ = try? EnvelopeDecoder.summary(sequenceNumber: number, attributes: values)
            }
        }
    }

    /// Reads SMTP replies (single and multi-line) until the bytes run out or one is refused.
    package static func smtpReplies(_ bytes: [UInt8]) {
        var source = MemorySource(bytes: bytes)
        while !source.isEmpty {
            guard (try? SMTPReplyParser.read(from: &source, maxLineBytes: 4096)) != nil else { return }
        }
    }
}
