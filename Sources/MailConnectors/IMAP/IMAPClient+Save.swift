extension IMAPClient {
    /// Saves whole messages as `.eml` files in `folder`, many per command: each FETCH carries up
    /// to `batchBytes` of messages (at most 200), so a thousand messages cost a few round trips,
    /// not a thousand. Each message streams to its own ``AtomicFileWriter`` (appears whole or not
    /// at all, never replaces a file; flushed to disk when `durable`).
    ///
    /// - Parameters:
    ///   - messages: summaries from ``fetchSummaries(uids:items:)`` with UID and size (RFC822.SIZE).
    ///   - progress: told the size of each chunk as it is written (for a progress bar).
    ///   - name: the file name for a message (make it safe, see ``SafeFileName``).
    /// - Returns: the paths written, and the messages that could not be saved (gone from the
    ///   mailbox, no size, a file that exists...); the others are saved regardless.
    /// - Throws: ``ConnectorError`` when the connection fails, the budget's error before a batch
    ///   that would cross the daily limit (the batches before it are saved).
    public func saveMessages(_ messages: [MessageSummary], toFolder folder: String, durable: Bool = true,
                             batchBytes: Int = 16 << 20, progress: ((Int) -> Void)? = nil,
                             name: (MessageSummary) -> String) throws
        -> (files: [String], problems: [MessageProblem])
    {
        var problems: [MessageProblem] = []
        var jobs: [SaveJob] = []
        for message in messages {
            guard let uid = message.uid, let size = message.size else {
                problems.append(MessageProblem(sequenceNumber: message.sequenceNumber, uid: message.uid,
                                               reason: "no UID or size: fetch summaries with .size first"))
                continue
            }
            jobs.append(SaveJob(message: message, uid: uid, section: "", encoding: .identity, size: size,
                                path: folder + "/" + name(message)))
        }
        let (files, failed) = try save(jobs, durable: durable, batchBytes: batchBytes, progress: progress)
        return (files, problems + failed)
    }

    /// Saves the attachments of `messages` (those `include` accepts) as files in `folder`,
    /// transfer-decoded, batched like ``saveMessages(_:toFolder:durable:batchBytes:progress:name:)``:
    /// messages whose attachments have the same part numbers share a command.
    /// - Parameters:
    ///   - progress: told the size of each decoded chunk as it is written.
    ///   - name: the file name for an attachment (make it safe and unique, see ``SafeFileName``).
    public func saveAttachments(of messages: [MessageSummary], toFolder folder: String, durable: Bool = true,
                                batchBytes: Int = 16 << 20, where include: (Attachment) -> Bool = { _ in true },
                                progress: ((Int) -> Void)? = nil,
                                name: (MessageSummary, Attachment) -> String) throws -> (files: [String], problems: [MessageProblem])
    {
        var jobs: [SaveJob] = []
        for message in messages {
            guard let uid = message.uid else { continue }
            for attachment in message.attachments where include(attachment) {
                jobs.append(SaveJob(message: message, uid: uid, section: attachment.section,
                                    encoding: attachment.isForwardedMessage ? .identity : attachment.encoding,
                                    size: attachment.encodedSize, path: folder + "/" + name(message, attachment)))
            }
        }
        return try save(jobs, durable: durable, batchBytes: batchBytes, progress: progress)
    }

    /// One part of one message to stream to one file.
    private struct SaveJob {
        var message: MessageSummary
        var uid: UInt32
        /// The part specifier; empty for the whole message.
        var section: String
        var encoding: TransferEncoding
        var size: Int
        var path: String
        var key: String { "\(uid) \(section)" }
    }

    /// Runs `jobs` in commands of messages that ask for the same parts, at most `batchBytes` each.
    private func save(_ jobs: [SaveJob], durable: Bool, batchBytes: Int,
                      progress: ((Int) -> Void)?) throws -> (files: [String], problems: [MessageProblem]) {
        try ensureOpen()
        guard selected != nil else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        var files: [String] = []
        var problems: [MessageProblem] = []
        // Group by message, then messages by the list of parts they need.
        var byMessage: [(uid: UInt32, jobs: [SaveJob])] = []
        for job in jobs {
            if byMessage.last?.uid == job.uid { byMessage[byMessage.count - 1].jobs.append(job) } else { byMessage.append((job.uid, [job])) }
        }
        var groups: [[String]: [[SaveJob]]] = [:]
        var order: [[String]] = []
        for entry in byMessage {
            let sections = entry.jobs.map(\.section)
            if groups[sections] == nil { order.append(sections) }
            groups[sections, default: []].append(entry.jobs)
        }
        for sections in order {
            var batch: [SaveJob] = []
            var messages = 0
            for messageJobs in groups[sections] ?? [] {
                let size = messageJobs.reduce(0) { $0 + $1.size }
                if !batch.isEmpty, batch.reduce(0, { $0 + $1.size }) + size > batchBytes || messages >= 200 {
                    try saveBatch(batch, sections: sections, durable: durable, progress: progress, files: &files, problems: &problems)
                    batch = []
                    messages = 0
                }
                batch += messageJobs
                messages += 1
            }
            if !batch.isEmpty { try saveBatch(batch, sections: sections, durable: durable, progress: progress, files: &files, problems: &problems) }
        }
        return (files, problems)
    }

    private func saveBatch(_ batch: [SaveJob], sections: [String], durable: Bool, progress: ((Int) -> Void)?,
                           files: inout [String], problems: inout [MessageProblem]) throws {
        let byKey = Dictionary(batch.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        try ensureDownloadAllowance(Int64(batch.reduce(0) { $0 + $1.size }))
        var writers: [String: AtomicFileWriter] = [:]
        var sinks: [String: DecodingSink] = [:]
        var failures: [String: String] = [:]
        var refusal: (any Error)?
        let router: LiteralRouter = { [self] route throws(ConnectorError) in
            let item = route.item.uppercased()
            guard item.hasPrefix("BODY["), let close = item.firstIndex(of: "]") else { return nil }
            let section = String(item[item.index(item.startIndex, offsetBy: 5)..<close])
            // The UID comes before the bodies when asked first; an answer without it is not routed.
            guard let uid = route.uid, let job = byKey["\(uid) \(section)"], sinks[job.key] == nil else { return DiscardingSink() }
            guard route.count <= job.size + 65_536 else {
                throw .protocolViolation("the server sent \(route.count) bytes for \(job.key), announced \(job.size)")
            }
            do { try ensureDownloadAllowance(Int64(route.count)) } catch {
                refusal = error
                throw .protocolViolation("traffic budget refused \(route.count) bytes")
            }
            do throws(ConnectorError) {
                let writer = try AtomicFileWriter(path: job.path, durable: durable)
                writers[job.key] = writer
                let sink = DecodingSink(decoder: job.encoding.makeDecoder()) { chunk in
                    try writer.write(chunk)
                    progress?(chunk.count)
                }
                sinks[job.key] = sink
                return sink
            } catch {
                failures[job.key] = error.description
                return DiscardingSink()
            }
        }
        let items = sections.map { "BODY.PEEK[\($0)]" }.joined(separator: " ")
        let untagged: [IMAPResponse]
        do {
            (untagged, _) = try closingOnFatal { () throws(ConnectorError) in
                try run([.text("UID FETCH \(UIDSet.format(batch.map(\.uid))) (UID \(items))")], router: router)
            }
        } catch {
            throw refusal ?? error
        }
        for job in batch {
            // Whether a failure is this side's (creating, writing, flushing the file) rather than
            // the server's (no data for the part): the message may save on a retry.
            var outputFailure = true
            do {
                if sinks[job.key] == nil, failures[job.key] == nil, let bytes = Self.inlineBody(of: job, in: untagged) {
                    // A small or empty part may come as a quoted string or NIL, not a literal.
                    let writer = try AtomicFileWriter(path: job.path, durable: durable)
                    writers[job.key] = writer
                    let sink = DecodingSink(decoder: job.encoding.makeDecoder()) { chunk in
                    try writer.write(chunk)
                    progress?(chunk.count)
                }
                    sink.write(bytes)
                    sinks[job.key] = sink
                }
                guard let sink = sinks[job.key], let writer = writers[job.key] else {
                    outputFailure = failures[job.key] != nil
                    throw ConnectorError.outputFailed(failures[job.key] ?? "the server sent no data for it (expunged?)")
                }
                try sink.finish()
                try writer.commit(syncingFolder: false)
                files.append(writer.path)
            } catch {
                writers[job.key]?.discard()
                let what = job.section.isEmpty ? "" : "part \(job.section): "
                problems.append(MessageProblem(sequenceNumber: job.message.sequenceNumber, uid: job.uid,
                                               reason: what + ((error as? ConnectorError)?.description ?? "\(error)"),
                                               isOutputFailure: outputFailure))
            }
        }
        // One flush per folder for the whole batch, not one per file.
        if durable {
            for folder in Set(batch.map { AtomicFileWriter.folder(of: $0.path) }) { AtomicFileWriter.syncFolder(folder) }
        }
    }

    /// The bytes of `job`'s part when the server sent them inline (a quoted string, or NIL for
    /// nothing) rather than as a literal; nil when the part is not in `untagged`.
    private static func inlineBody(of job: SaveJob, in untagged: [IMAPResponse]) -> [UInt8]? {
        for case .data(_?, "FETCH", let values) in untagged where FetchDecoder.item("UID", in: values)?.number == UInt64(job.uid) {
            switch FetchDecoder.item("BODY[\(job.section)]", in: values) {
            case .string(let bytes)?: return bytes
            case .nil?: return []
            default: continue
            }
        }
        return nil
    }
}
