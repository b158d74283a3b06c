import AppVault
import Foundation
import Glibc
import MailConnectors

/// One `fetch` invocation: its passes over the mailbox, what they printed and saved, and the
/// mark that says how far it got (kept in the vault with `--new`, in memory with `--follow`).
final class FetchRun {
    let account: String
    let access: MailAccess
    let fetcher: MailboxFetcher
    let folder: SaveFolder?
    let attachmentsOnly: Bool
    let json: Bool
    /// Whether the run outlives its first pass (`--follow`): JSON is then one object per line.
    let follows: Bool
    /// How far the run got: the highest UID handled, under the mailbox's UIDVALIDITY.
    private(set) var mark: FetchState?
    /// Messages that could not be saved so far.
    private(set) var failures = 0
    /// Messages listed by a run that prints all of them at its end (`--json` without `--follow`).
    private var collected: [FetchedMessage] = []

    init(account: String, access: MailAccess, fetcher: MailboxFetcher, folder: SaveFolder?, attachmentsOnly: Bool,
         json: Bool, follows: Bool) throws {
        self.account = account
        self.access = access
        self.fetcher = fetcher
        self.folder = folder
        self.attachmentsOnly = attachmentsOnly
        self.json = json
        self.follows = follows
        if fetcher.request.onlyNew { mark = try access.fetchState(account: account, mailbox: fetcher.request.mailbox) }
    }

    /// Lists (and saves) what is new since the mark, prints it, and moves the mark.
    /// - Throws: the session's errors; ``FetchError/notSaved(count:)`` when a file could not be
    ///   written (the mark stays below that message).
    func pass(_ client: IMAPClient) throws {
        let listing = try fetcher.list(client, after: mark, saving: folder != nil)
        let validity = listing.status.uidValidity ?? 0
        var messages = listing.summaries.map(FetchedMessage.init)
        var stopped = false
        var interrupted = false
        if let folder {
            let saved = try fetcher.save(listing, client: client, into: folder, attachmentsOnly: attachmentsOnly) { uid in
                try advance(to: uid, validity: validity)
            }
            messages = saved.messages
            failures += saved.failures
            stopped = saved.stopped
            interrupted = saved.interrupted
            show(messages)
            if !json && saved.files > 0 {
                Output.line("saved \(saved.files) file\(saved.files == 1 ? "" : "s") (\(Output.bytes(saved.bytes))) in \(Output.safe(folder.path))")
            }
        } else {
            for problem in listing.problems { Output.notice("appvault: \(Output.safe(problem.description)): could not be listed") }
            show(messages)
            if let last = listing.uids.max() { try advance(to: last, validity: validity) }
        }
        if listing.mark == nil, mark?.uidValidity != validity {
            // A fresh start that handled nothing: the mark now belongs to this UIDVALIDITY.
            try advance(to: 0, validity: validity)
        }
        if follows, !fetcher.request.onlyNew, listing.mark == nil, let next = listing.status.uidNext, next > 1 {
            // What a fresh listing left out (older than --limit) is not new when following.
            try advance(to: next - 1, validity: validity)
        }
        if follows { fflush(nil) }
        if stopped { throw FetchError.notSaved(count: failures) }
        if interrupted && !follows { throw FetchError.interrupted }
    }

    /// Prints what the run collected (`--json` without `--follow`: one array).
    func finish() throws {
        if json && !follows { try Output.json(collected) }
    }

    private func show(_ messages: [FetchedMessage]) {
        if json {
            if follows {
                for message in messages { try? Output.json(message, oneLine: true) }
            } else {
                collected += messages
            }
        } else if !messages.isEmpty {
            Output.table(FetchedMessage.header, messages.map(\.row))
        }
    }

    /// Moves the mark up to `uid` (or to a new UIDVALIDITY); with `--new`, in the vault too.
    private func advance(to uid: UInt32, validity: UInt32) throws {
        if let mark, mark.uidValidity == validity, mark.lastUID >= uid { return }
        let next = FetchState(uidValidity: validity, lastUID: uid, updatedAt: Date())
        if fetcher.request.onlyNew { try access.setFetchState(next, account: account, mailbox: fetcher.request.mailbox) }
        mark = next
    }
}
