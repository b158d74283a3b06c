import AppVault
import Foundation
import MailConnectors

/// One pass of `fetch` (and `inbox`) over a mailbox: open it read-only, find the messages,
/// summarise them and, with `--save`, write them to files in chunks, telling the caller after
/// each chunk how far everything is on disk.
///
/// A *mark* (a ``FetchState``: UIDVALIDITY and a UID) says what was handled before: `fetch --new`
/// keeps it in the vault, `--follow` in memory. A pass lists only messages above it; a mark of
/// another UIDVALIDITY is void (the server renumbered the mailbox), which is said on standard
/// error, and the pass starts over from the mailbox's current messages.
struct MailboxFetcher {
    let request: FetchRequest

    /// What a pass found in the mailbox.
    struct Listing {
        /// The mailbox as EXAMINE reported it.
        var status: IMAPMailboxStatus
        /// The mark the pass worked from: nil for a fresh start (none yet, or a renumbered mailbox).
        var mark: FetchState?
        /// The messages, ascending by UID.
        var summaries: [MessageSummary]
        /// Messages whose summary the server sent in a form that could not be decoded.
        var problems: [MessageProblem]

        /// The UIDs the pass handled: listed ones and undecodable ones.
        var uids: [UInt32] { summaries.compactMap(\.uid) + problems.compactMap(\.uid) }
    }

    /// What saving a listing did.
    struct Saved {
        /// The listed messages, with where each file went.
        var messages: [FetchedMessage]
        /// Files written and their bytes.
        var files = 0
        var bytes = 0
        /// Messages not saved (each said on standard error).
        var failures = 0
        /// Whether saving stopped at a file that could not be written (disk full, permissions):
        /// the caller's mark stops below that message.
        var stopped = false
        /// Whether saving stopped early because SIGINT or SIGTERM asked it to (after a chunk).
        var interrupted = false
    }

    /// Opens the mailbox read-only (EXAMINE: nothing gets marked read) and summarises the
    /// messages to list after `mark`.
    /// - Parameter saving: whether the messages will be saved (then every UID is found by a
    ///   search, never left out because its envelope is odd).
    func list(_ client: IMAPClient, after mark: FetchState?, saving: Bool) throws -> Listing {
        let status = try client.examine(request.serverName(utf8: client.utf8Enabled))
        var mark = mark
        if let old = mark, let validity = status.uidValidity, old.uidValidity != validity {
            Output.notice("appvault: the server renumbered \(Output.safe(request.mailbox)) (UIDVALIDITY \(old.uidValidity) -> \(validity)): "
                          + "its old UIDs are void; starting over from its current messages")
            mark = nil
        }
        var uids: [UInt32]
        if let mark {
            uids = try newUIDs(client, status: status, after: mark.lastUID)
        } else if !request.filters, !request.onlyNew, !saving, let limit = request.limit {
            // The newest messages are the last sequence numbers: no search of the whole mailbox.
            uids = try client.newestMessages(limit).compactMap(\.uid)
        } else {
            uids = try client.search(request.criteria)
        }
        uids.sort()
        if let limit = request.limit, uids.count > limit, request.onlyNew || mark == nil {
            // --new takes the oldest it has not fetched, so the next run goes on from there; a
            // listing takes the newest.
            uids = request.onlyNew ? Array(uids.prefix(limit)) : Array(uids.suffix(limit))
        }
        guard !uids.isEmpty else { return Listing(status: status, mark: mark, summaries: [], problems: []) }
        let result = try client.fetchSummaries(uids: uids, items: request.items)
        return Listing(status: status, mark: mark, summaries: result.summaries, problems: result.problems)
    }

    /// The UIDs matching the request above `lastUID`, searched only among UIDs the mailbox can
    /// hold (`lastUID+1` up to UIDNEXT-1) when the server said its UIDNEXT.
    private func newUIDs(_ client: IMAPClient, status: IMAPMailboxStatus, after lastUID: UInt32) throws -> [UInt32] {
        guard lastUID < UInt32.max else { return [] }
        let first = lastUID + 1
        var criteria = request.criteria
        if let next = status.uidNext {
            guard next > first else { return [] }
            if next - first <= 500_000 { criteria.uids = Array(first..<next) }
        }
        return try client.search(criteria).filter { $0 > lastUID }
    }

    /// Saves the listed messages into `folder` (each as `.eml` unless `attachmentsOnly`, and
    /// each attachment decoded), in chunks of up to 16 MiB or 200 messages. After each chunk,
    /// whose files are then flushed to disk, `advance` gets the highest UID below which
    /// everything is saved or was skipped for good (a message the server could not deliver).
    /// A file that could not be written stops the run there.
    func save(_ listing: Listing, client: IMAPClient, into folder: SaveFolder, attachmentsOnly: Bool,
              advance: (UInt32) throws -> Void) throws -> Saved {
        var saved = Saved(messages: listing.summaries.map(FetchedMessage.init))
        let position = Dictionary(saved.messages.enumerated().map { ($0.element.uid, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var pending = listing.summaries
        // A message whose summary could not be decoded is still saved whole, found by its size.
        let undecodable = listing.problems.compactMap(\.uid)
        if !undecodable.isEmpty {
            let sized = try client.fetchSummaries(uids: undecodable, items: [.size])
            for problem in listing.problems {
                let what = problem.uid.map { "UID \($0)" } ?? "a message"
                if !attachmentsOnly, let uid = problem.uid, sized.summaries.contains(where: { $0.uid == uid }) {
                    Output.notice("appvault: \(what) could not be listed (\(Output.safe(problem.reason))); saving it whole")
                } else {
                    Output.notice("appvault: \(what) not saved: \(Output.safe(problem.reason))")
                    saved.failures += 1
                }
            }
            pending += attachmentsOnly ? [] : sized.summaries
            pending.sort { ($0.uid ?? 0) < ($1.uid ?? 0) }
        }
        let totalBytes = pending.reduce(0) { total, message in
            total + (attachmentsOnly ? 0 : message.size ?? 0) + message.attachments.reduce(0) { $0 + $1.estimatedSize }
        }
        let progress = FetchProgress(messages: pending.count, bytes: totalBytes)
        defer { progress.finish() }
        let handled = listing.uids.sorted()
        let chunks = Self.chunks(pending)
        for (index, chunk) in chunks.enumerated() {
            var planned: [String: (uid: UInt32, section: String?)] = [:]
            var written: [String] = []
            var problems: [MessageProblem] = []
            if !attachmentsOnly {
                let (files, failed) = try client.saveMessages(chunk, toFolder: folder.path, progress: progress.add(bytes:)) { message in
                    let name = folder.messageName(message)
                    planned[folder.path + "/" + name] = (message.uid ?? 0, nil)
                    return name
                }
                written += files
                problems += failed
            }
            let (files, failed) = try client.saveAttachments(of: chunk, toFolder: folder.path, progress: progress.add(bytes:)) { message, attachment in
                let name = folder.attachmentName(message, attachment)
                planned[folder.path + "/" + name] = (message.uid ?? 0, attachment.section)
                return name
            }
            written += files
            problems += failed
            progress.add(messages: chunk.count)
            record(written, planned: planned, position: position, into: &saved)
            for uid in Set(problems.compactMap(\.uid)).sorted() {
                let reasons = problems.filter { $0.uid == uid }.map { Output.safe($0.reason) }.joined(separator: "; ")
                Output.notice("appvault: UID \(uid): could not save \(reasons)")
            }
            saved.failures += Set(problems.map { $0.uid ?? 0 }).count
            // Everything below the next chunk is on disk (or skipped for good), unless a file
            // could not be written: then only what is below that message.
            let limit = problems.filter(\.isOutputFailure).compactMap(\.uid).min()
                ?? (index + 1 < chunks.count ? chunks[index + 1].first?.uid : nil)
            if let frontier = handled.last(where: { uid in limit.map { uid < $0 } ?? true }) { try advance(frontier) }
            if problems.contains(where: \.isOutputFailure) {
                saved.stopped = true
                return saved
            }
            if StopSignal.requested && index + 1 < chunks.count {
                saved.interrupted = true
                return saved
            }
        }
        if chunks.isEmpty, let last = handled.last { try advance(last) }
        return saved
    }

    /// Notes the files written, and where each went in the listing's messages.
    private func record(_ written: [String], planned: [String: (uid: UInt32, section: String?)],
                        position: [UInt32: Int], into saved: inout Saved) {
        for path in written {
            var info = stat()
            if lstat(path, &info) == 0 { saved.bytes += Int(info.st_size) }
            saved.files += 1
            guard let target = planned[path], let index = position[target.uid] else { continue }
            if let section = target.section {
                if let attachment = saved.messages[index].attachments.firstIndex(where: { $0.section == section }) {
                    saved.messages[index].attachments[attachment].savedAs = path
                }
            } else {
                saved.messages[index].savedAs = path
            }
        }
    }

    /// `messages` in runs of at most 16 MiB (by RFC822.SIZE) or 200 messages.
    static func chunks(_ messages: [MessageSummary]) -> [[MessageSummary]] {
        var chunks: [[MessageSummary]] = []
        var current: [MessageSummary] = []
        var bytes = 0
        for message in messages {
            let size = message.size ?? 0
            if !current.isEmpty, bytes + size > 16 << 20 || current.count >= 200 {
                chunks.append(current)
                current = []
                bytes = 0
            }
            current.append(message)
            bytes += size
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
