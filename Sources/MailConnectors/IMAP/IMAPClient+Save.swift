extension IMAPClient {
    /// Saves whole messages as `.eml` files in `folder`, many per command: each FETCH carries up
    /// to `batchBytes` of messages (at most 200), so a thousand messages cost a few round trips,
    /// not a thousand. Each message streams to its own ``AtomicFileWriter`` (appears whole or not
    /// at all, never replaces a file; flushed to disk when `durable`).
    ///
    /// - Parameters:
    ///   - messages: summaries from ``fetchSummaries(uids:items:)`` with UID and size (RFC822.SIZE).
    ///   - name: the file name for a message (make it safe, see ``SafeFileName``).
    /// - Returns: the files written by UID, and the messages that could not be saved (gone from
    ///   the mailbox, no size, a file that exists...); the others are saved regardless.
    /// - Throws: ``ConnectorError`` when the connection fails, the budget's error before a batch
    ///   that would cross the daily limit (the batches before it are saved).
    public func saveMessages(_ messages: [MessageSummary], toFolder folder: String, durable: Bool = true,
                             batchBytes: Int = 16 << 20, name: (MessageSummary) -> String) throws
        -> (files: [UInt32: String], problems: [MessageProblem])
    {
        try ensureOpen()
        guard selected != nil else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        var files: [UInt32: String] = [:]
        var problems: [MessageProblem] = []
        var batch: [MessageSummary] = []
        var batchSize = 0
        for message in messages {
            guard message.uid != nil, let size = message.size else {
                problems.append(MessageProblem(sequenceNumber: message.sequenceNumber, uid: message.uid,
                                               reason: "no UID or size: fetch summaries with .size first"))
                continue
            }
            if !batch.isEmpty, batchSize + size > batchBytes || batch.count >= 200 {
                try saveBatch(batch, folder: folder, durable: durable, name: name, files: &files, problems: &problems)
                batch = []
                batchSize = 0
            }
            batch.append(message)
            batchSize += size
        }
        if !batch.isEmpty { try saveBatch(batch, folder: folder, durable: durable, name: name, files: &files, problems: &problems) }
        return (files, problems)
    }

    private func saveBatch(_ batch: [MessageSummary], folder: String, durable: Bool, name: (MessageSummary) -> String,
                           files: inout [UInt32: String], problems: inout [MessageProblem]) throws {
        let byUID = Dictionary(batch.map { ($0.uid!, $0) }, uniquingKeysWith: { first, _ in first })
        let paths = Dictionary(batch.map { ($0.uid!, folder + "/" + name($0)) }, uniquingKeysWith: { first, _ in first })
        try ensureDownloadAllowance(Int64(batch.reduce(0) { $0 + ($1.size ?? 0) }))
        var writers: [UInt32: AtomicFileWriter] = [:]
        var sinks: [UInt32: DecodingSink] = [:]
        var failures: [UInt32: String] = [:]
        var refusal: (any Error)?
        let router: LiteralRouter = { [self] route throws(ConnectorError) in
            guard route.item.uppercased().hasPrefix("BODY[]") else { return nil }
            // The UID comes before the body when asked first; an answer without it is not routed.
            guard let uid = route.uid, let message = byUID[uid], let path = paths[uid], sinks[uid] == nil else {
                return DiscardingSink()
            }
            guard route.count <= (message.size ?? 0) + 65_536 else {
                throw .protocolViolation("the server sent \(route.count) bytes for UID \(uid), announced \(message.size ?? 0)")
            }
            do { try ensureDownloadAllowance(Int64(route.count)) } catch {
                refusal = error
                throw .protocolViolation("traffic budget refused \(route.count) bytes")
            }
            do throws(ConnectorError) {
                let writer = try AtomicFileWriter(path: path, durable: durable)
                writers[uid] = writer
                let sink = DecodingSink(decoder: IdentityDecoder()) { chunk in try writer.write(chunk) }
                sinks[uid] = sink
                return sink
            } catch {
                failures[uid] = error.description
                return DiscardingSink()
            }
        }
        do {
            _ = try closingOnFatal { () throws(ConnectorError) in
                try run([.text("UID FETCH \(UIDSet.format(byUID.keys)) (UID BODY.PEEK[])")], router: router)
            }
        } catch {
            throw refusal ?? error
        }
        for message in batch {
            let uid = message.uid!
            do {
                guard let sink = sinks[uid], let writer = writers[uid] else {
                    throw ConnectorError.outputFailed(failures[uid] ?? "the server sent no body (expunged?)")
                }
                try sink.finish()
                try writer.commit()
                files[uid] = writer.path
            } catch {
                writers[uid]?.discard()
                problems.append(MessageProblem(sequenceNumber: message.sequenceNumber, uid: uid,
                                               reason: (error as? ConnectorError)?.description ?? "\(error)"))
            }
        }
    }
}
