/// Entry points for the libFuzzer targets in Tests/Fuzz: the pure protocol parsers and decoders
/// run over arbitrary bytes. Any input must end in a value or an error, never a trap.
package enum ParserFuzzing {
    /// Parses IMAP responses until the bytes run out or one is refused; FETCH data goes through
    /// the summary decoders (envelope, body structure, attachments), and literals of BODY items
    /// are streamed through a transfer decoder, as a fetch does.
    package static func imapResponses(_ bytes: [UInt8]) {
        var source = MemorySource(bytes: bytes)
        let parser = IMAPResponseParser(maxLineBytes: 4096, maxResponseBytes: 1 << 20)
        let router: LiteralRouter = { route in
            route.item.hasPrefix("BODY[") ? DecodingSink(decoder: Base64Decoder(), handler: { _ in }) : nil
        }
        var responses: [IMAPResponse] = []
        while !source.isEmpty {
            guard let response = try? parser.read(from: &source, router: router) else { break }
            responses.append(response)
        }
        let (summaries, _) = IMAPClient.collectSummaries(responses, wanted: nil)
        for summary in summaries {
            _ = summary.attachments
            _ = summary.bodyStructure?.part("1.2")
        }
    }

    /// `bytes` as the data of `* 1 FETCH (...)`: focuses the fuzzer on FETCH items (ENVELOPE,
    /// BODYSTRUCTURE, literals) rather than on framing.
    package static func fetchData(_ bytes: [UInt8]) {
        imapResponses(Array("* 1 FETCH (".utf8) + bytes + Array(")\r\n".utf8))
    }

    /// Reads SMTP replies (single and multi-line) until the bytes run out or one is refused.
    package static func smtpReplies(_ bytes: [UInt8]) {
        var source = MemorySource(bytes: bytes)
        while !source.isEmpty {
            guard (try? SMTPReplyParser.read(from: &source, maxLineBytes: 4096)) != nil else { return }
        }
    }

    /// Parses a message (RFC 5322 header block and MIME parts) and decodes everything in it:
    /// header fields with RFC 2047 words, RFC 2231 parameters, bodies (base64, quoted-printable)
    /// and their charsets, file names made safe.
    package static func mimeMessage(_ bytes: [UInt8]) {
        let entity = MIMEEntity.parse(bytes)
        _ = entity.subject
        _ = entity.from
        for part in entity.allParts {
            _ = part.decodedText()
            _ = part.structure.fileName.map { SafeFileName.make($0) }
        }
        _ = entity.structure.attachments
        // The decoders on the raw bytes, fed in uneven chunks as a stream would be.
        var qp = QuotedPrintableDecoder()
        var base64 = Base64Decoder()
        var output: [UInt8] = []
        for chunk in bytes.chunks(ofCount: 7) {
            qp.decode(chunk, into: &output)
            base64.decode(chunk, into: &output)
        }
        qp.finish(into: &output)
        _ = EncodedWords.decode(String(decoding: bytes.prefix(4096), as: UTF8.self))
        _ = MailboxName.decode(String(decoding: bytes.prefix(1024), as: UTF8.self))
        _ = MailDate.parse(String(decoding: bytes.prefix(200), as: UTF8.self))
    }
}

extension Array {
    /// The array cut into consecutive pieces of `count` elements (the last may be shorter).
    func chunks(ofCount count: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: count).map { self[$0..<Swift.min($0 + count, self.count)] }
    }
}
