extension IMAPClient {
    /// The most UIDs asked for in one summary FETCH command; longer lists are split.
    static let summaryBatch = 500

    /// Summaries of the messages with `uids` in the open mailbox (`UID FETCH`), sorted by UID.
    ///
    /// A message whose data cannot be decoded is reported in ``FetchResult/problems`` and the
    /// others are still returned. UIDs that are not in the mailbox are left out.
    public func fetchSummaries(uids: [UInt32], items: SummaryItems = .all) throws -> FetchResult {
        try ensureOpen()
        guard selected != nil else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        let wanted = Set(uids)
        var summaries: [MessageSummary] = []
        var problems: [MessageProblem] = []
        let sorted = wanted.sorted()
        for start in stride(from: 0, to: sorted.count, by: Self.summaryBatch) {
            let batch = sorted[start..<min(start + Self.summaryBatch, sorted.count)]
            try ensureDownloadAllowance(Int64(batch.count) * 512)
            let (untagged, _) = try closingOnFatal { () throws(ConnectorError) in
                try run([.text("UID FETCH \(UIDSet.format(batch)) (\(items.fetchItems))")])
            }
            let (found, trouble) = Self.collectSummaries(untagged, wanted: wanted)
            summaries += found
            problems += trouble
        }
        return FetchResult(summaries: summaries.sorted { ($0.uid ?? 0) < ($1.uid ?? 0) }, problems: problems)
    }

    /// Summaries (envelope) of the newest `count` messages of the open mailbox, newest first.
    /// Messages whose data cannot be decoded are left out (and logged).
    public func newestMessages(_ count: Int) throws -> [MessageSummary] {
        try ensureOpen()
        guard let selected else { throw ConnectorError.invalidArgument("open a mailbox with select or examine first") }
        guard count > 0, selected.messageCount > 0 else { return [] }
        let first = max(1, selected.messageCount - count + 1)
        try ensureDownloadAllowance(Int64(selected.messageCount - first + 1) * 512)
        let (untagged, _) = try closingOnFatal { () throws(ConnectorError) in
            try run([.text("FETCH \(first):\(selected.messageCount) (UID ENVELOPE)")])
        }
        let (summaries, problems) = Self.collectSummaries(untagged, wanted: nil)
        for problem in problems { logger.info("skipped a message", metadata: ["problem": "\(problem)"]) }
        return summaries.sorted { $0.sequenceNumber > $1.sequenceNumber }
    }

    /// Merges the FETCH responses among `untagged` by sequence number; keeps those whose UID is
    /// in `wanted` (all when nil).
    static func collectSummaries(_ untagged: [IMAPResponse], wanted: Set<UInt32>?) -> ([MessageSummary], [MessageProblem]) {
        var bySequence: [UInt64: MessageSummary] = [:]
        var order: [UInt64] = []
        var problems: [MessageProblem] = []
        var failed: Set<UInt64> = []
        for response in untagged {
            switch response {
            case .data(let number?, "FETCH", let values):
                guard !failed.contains(number) else { continue }
                var summary = bySequence[number] ?? MessageSummary(sequenceNumber: Int(clamping: number))
                do {
                    try FetchDecoder.merge(values, into: &summary)
                    if bySequence[number] == nil { order.append(number) }
                    bySequence[number] = summary
                } catch {
                    failed.insert(number)
                    bySequence[number] = nil
                    let uid = FetchDecoder.item("UID", in: values)?.number.flatMap { UInt32(exactly: $0) }
                    problems.append(MessageProblem(sequenceNumber: Int(clamping: number), uid: uid, reason: error.reason))
                }
            case .malformed(let number?, "FETCH", let reason):
                failed.insert(number)
                bySequence[number] = nil
                problems.append(MessageProblem(sequenceNumber: Int(clamping: number), uid: nil, reason: reason))
            default:
                break
            }
        }
        let summaries = order.compactMap { bySequence[$0] }.filter { summary in
            guard let wanted else { return true }
            return summary.uid.map(wanted.contains) ?? false
        }
        if let wanted {
            problems.removeAll { problem in problem.uid.map { !wanted.contains($0) } ?? false }
        }
        return (summaries, problems)
    }
}

/// The items a summary FETCH asks for.
public struct SummaryItems: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// ENVELOPE: date, subject, addresses, message ids.
    public static let envelope = SummaryItems(rawValue: 1)
    /// FLAGS.
    public static let flags = SummaryItems(rawValue: 2)
    /// RFC822.SIZE.
    public static let size = SummaryItems(rawValue: 4)
    /// INTERNALDATE.
    public static let internalDate = SummaryItems(rawValue: 8)
    /// BODYSTRUCTURE: the MIME parts and attachments.
    public static let bodyStructure = SummaryItems(rawValue: 16)
    /// Everything above.
    public static let all: SummaryItems = [.envelope, .flags, .size, .internalDate, .bodyStructure]

    /// The FETCH attribute list (UID always).
    var fetchItems: String {
        var names = ["UID"]
        if contains(.envelope) { names.append("ENVELOPE") }
        if contains(.flags) { names.append("FLAGS") }
        if contains(.size) { names.append("RFC822.SIZE") }
        if contains(.internalDate) { names.append("INTERNALDATE") }
        if contains(.bodyStructure) { names.append("BODYSTRUCTURE") }
        return names.joined(separator: " ")
    }
}
