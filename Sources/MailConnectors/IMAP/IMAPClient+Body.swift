extension IMAPClient {
    /// Streams the whole message `uid` (`BODY.PEEK[]`: no flag changes) to `handler` in chunks
    /// of at most 64 KiB, as stored on the server (an `.eml`). Returns the bytes delivered.
    ///
    /// The traffic budget is asked for the message's size (RFC822.SIZE, fetched first unless
    /// `expectedSize` is given) before the body is requested, and again for the exact literal
    /// length before its first byte is read. Nothing but the current chunk is held in memory.
    /// - Throws: ``ConnectorError/messageNotFound(uid:)``, ``ConnectorError`` for the server,
    ///   the budget's error, or whatever `handler` threw (the rest of the message is then read
    ///   and dropped, so the session stays usable).
    @discardableResult
    public func fetchMessage(uid: UInt32, expectedSize: Int? = nil, maximumBytes: Int = .max,
                             to handler: ([UInt8]) throws -> Void) throws -> Int {
        try fetchSection("", uid: uid, encoding: .identity, expectedSize: expectedSize, maximumBytes: maximumBytes, to: handler)
    }

    /// Streams part `section` (`1.2`, as in ``BodyStructure/section``) of message `uid` to
    /// `handler`, transfer-decoded with `encoding` while streaming (pass the part's
    /// ``BodyStructure/transferEncoding`` to get the file as attached; `.identity` for the raw
    /// part). Returns the bytes delivered, after decoding. Metered as ``fetchMessage(uid:expectedSize:maximumBytes:to:)``.
    @discardableResult
    public func fetchPart(uid: UInt32, section: String, encoding: TransferEncoding = .identity, expectedSize: Int? = nil,
                          maximumBytes: Int = .max, to handler: ([UInt8]) throws -> Void) throws -> Int {
        guard !section.isEmpty, section.utf8.count <= 64,
              section.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ UInt32($0) != nil && $0 != "0" })
        else { throw ConnectorError.invalidArgument("a part section looks like 1 or 1.2.3") }
        return try fetchSection(section, uid: uid, encoding: encoding, expectedSize: expectedSize,
                                maximumBytes: maximumBytes, to: handler)
    }

    /// Streams an attachment of message `uid`, decoded, to `handler`.
    @discardableResult
    public func fetchAttachment(_ attachment: Attachment, uid: UInt32, maximumBytes: Int = .max,
                                to handler: ([UInt8]) throws -> Void) throws -> Int {
        try fetchPart(uid: uid, section: attachment.section, encoding: attachment.isForwardedMessage ? .identity : attachment.encoding,
                      expectedSize: attachment.encodedSize, maximumBytes: maximumBytes, to: handler)
    }

    private func fetchSection(_ section: String, uid: UInt32, encoding: TransferEncoding, expectedSize: Int?,
                              maximumBytes: Int, to handler: ([UInt8]) throws -> Void) throws -> Int {
        try ensureOpen()
        guard selected != nil else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        let size = try expectedSize ?? messageSize(uid: uid)
        guard size <= maximumBytes else {
            throw ConnectorError.invalidArgument("message \(uid) has \(size) bytes, more than the \(maximumBytes) allowed")
        }
        try ensureDownloadAllowance(Int64(size))
        return try withoutActuallyEscaping(handler) { handler in
            let sink = DecodingSink(decoder: encoding.makeDecoder(), handler: handler)
            var refusal: (any Error)?
            var routed = false
            let item = "BODY[\(section)]"
            let router: LiteralRouter = { [self] route throws(ConnectorError) in
                let (name, count) = (route.item, route.count)
                guard name.uppercased().hasPrefix(item) || name.uppercased().hasPrefix("BINARY[\(section)]") else { return nil }
                guard !routed else { return DiscardingSink() }
                guard count <= maximumBytes else {
                    throw .protocolViolation("the server sent \(count) bytes for \(item) of UID \(uid), more than the \(maximumBytes) allowed")
                }
                do { try ensureDownloadAllowance(Int64(count)) } catch {
                    refusal = error
                    throw .protocolViolation("traffic budget refused \(count) bytes")
                }
                routed = true
                return sink
            }
            let untagged: [IMAPResponse]
            do {
                (untagged, _) = try closingOnFatal { () throws(ConnectorError) in
                    try run([.text("UID FETCH \(uid) (UID BODY.PEEK[\(section)])")], router: router)
                }
            } catch {
                throw refusal ?? error
            }
            if !routed {
                // Small or empty parts may come as a quoted string or NIL instead of a literal.
                guard let values = untagged.lazy.compactMap({ response -> [IMAPValue]? in
                    guard case .data(_?, "FETCH", let values) = response,
                          FetchDecoder.item("UID", in: values)?.number == UInt64(uid) else { return nil }
                    return values
                }).first else { throw ConnectorError.messageNotFound(uid: uid) }
                switch FetchDecoder.item(item, in: values) {
                case .string(let bytes)?: sink.write(bytes)
                case .nil?: break
                default: throw ConnectorError.partMissing("\(item) of UID \(uid)")
                }
            }
            try sink.finish()
            return sink.delivered
        }
    }

    /// RFC822.SIZE of message `uid`.
    private func messageSize(uid: UInt32) throws -> Int {
        let (untagged, _) = try closingOnFatal { () throws(ConnectorError) in try run([.text("UID FETCH \(uid) (UID RFC822.SIZE)")]) }
        let (summaries, problems) = Self.collectSummaries(untagged, wanted: [uid])
        if let size = summaries.first?.size { return size }
        if let problem = problems.first { throw ConnectorError.protocolViolation(problem.reason) }
        throw ConnectorError.messageNotFound(uid: uid)
    }
}

/// Transfer-decodes streamed chunks and hands them on; keeps the first error and drops the rest.
final class DecodingSink: LiteralSink {
    private var decoder: any TransferDecoder
    private let handler: ([UInt8]) throws -> Void
    private var failure: (any Error)?
    private var output: [UInt8] = []
    /// Bytes handed on so far.
    private(set) var delivered = 0

    init(decoder: any TransferDecoder, handler: @escaping ([UInt8]) throws -> Void) {
        self.decoder = decoder
        self.handler = handler
    }

    func write(_ chunk: [UInt8]) {
        guard failure == nil else { return }
        output.removeAll(keepingCapacity: true)
        decoder.decode(chunk[...], into: &output)
        deliver()
    }

    /// Flushes the decoder; throws the first error the handler threw.
    func finish() throws {
        if failure == nil {
            output.removeAll(keepingCapacity: true)
            decoder.finish(into: &output)
            deliver()
        }
        if let failure { throw failure }
    }

    private func deliver() {
        guard !output.isEmpty else { return }
        do {
            try handler(output)
            delivered += output.count
        } catch {
            failure = error
        }
    }
}

/// Reads a literal and forgets it.
final class DiscardingSink: LiteralSink {
    func write(_ chunk: [UInt8]) {}
}

extension IMAPClient {
    /// Saves message `uid` as an `.eml` file at `path`, atomically (see ``AtomicFileWriter``):
    /// the file appears whole or not at all, and an existing file is never replaced; `durable`
    /// also flushes it to disk.
    @discardableResult
    public func fetchMessage(uid: UInt32, toFile path: String, expectedSize: Int? = nil, durable: Bool = true) throws -> Int {
        let writer = try AtomicFileWriter(path: path, durable: durable)
        let count = try fetchMessage(uid: uid, expectedSize: expectedSize) { chunk in try writer.write(chunk) }
        try writer.commit()
        return count
    }

    /// Saves `attachment` of message `uid`, decoded, at `path`, atomically (see ``AtomicFileWriter``).
    @discardableResult
    public func fetchAttachment(_ attachment: Attachment, uid: UInt32, toFile path: String, durable: Bool = true) throws -> Int {
        let writer = try AtomicFileWriter(path: path, durable: durable)
        let count = try fetchAttachment(attachment, uid: uid) { chunk in try writer.write(chunk) }
        try writer.commit()
        return count
    }
}
