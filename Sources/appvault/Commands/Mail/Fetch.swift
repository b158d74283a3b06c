import AppVault
import ArgumentParser
import MailConnectors

/// `appvault fetch`: list, search and save messages of a mailbox, once or as they arrive.
struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "List messages of a mailbox that match, and save them (.eml and decoded attachments) with --save.",
        discussion: """
            Lists UID, date, from, to, subject, size and attachment names of every matching message \
            (the mailbox is opened read-only: nothing is marked read). All criteria must match; dates \
            are days (YYYY-MM-DD, UTC). --limit keeps the newest matches (with --new: the oldest \
            not fetched yet, so the next run goes on from there).

            --save DIR writes each message as UID.eml and each attachment decoded under its own \
            name, made safe (no path, no control characters, at most 255 bytes; a taken name gets \
            " (2)"). Files appear whole or not at all (temporary file, fsync, link into place) and never \
            replace a file. DIR is created with mode 0700; an existing DIR must be a folder of \
            yours that others cannot write to (exit 7 otherwise).

            --new fetches only messages that no earlier `fetch --new` of this account and mailbox \
            fetched; the state (UIDVALIDITY and the last UID) is kept in the vault and moves only \
            after the files are on disk, so an interrupted run fetches again, never skips. When the \
            server renumbers the mailbox (new UIDVALIDITY) that is said on standard error and the \
            run starts over from the mailbox's current messages.

            --follow stays connected (IDLE) and fetches new messages as they arrive until SIGINT or \
            SIGTERM (then it logs out and exits 0); when the connection drops it reconnects after \
            1, 2, 4 ... 60 s. A revoked lease or account, a locked vault or a policy refusal ends it \
            with its exit code. With --json it prints one JSON object per line.

            Through a running, unlocked agent when there is one (no passphrase; the agent meters \
            the traffic), else with the vault unlocked here. Every byte is counted against the \
            account's daily download limit before it is fetched.
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name.")
    var name: String

    @Option(name: .long, help: "The mailbox (opened read-only).")
    var mailbox = "INBOX"

    @Option(name: .long, help: ArgumentHelp("Only messages received on or after this day.", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only messages received before this day.", valueName: "YYYY-MM-DD"))
    var before: String?

    @Option(name: .long, help: ArgumentHelp("Only messages whose From contains this text.", valueName: "address"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Only messages whose Subject contains this text.", valueName: "text"))
    var subject: String?

    @Flag(name: .long, help: "Only unread messages.")
    var unseen = false

    @Flag(name: .long, help: "Only messages no earlier `fetch --new` of this account and mailbox fetched.")
    var new = false

    @Option(name: .long, help: "At most this many messages (the newest; with --new the oldest not fetched yet).")
    var limit: Int?

    @Option(name: .long, help: ArgumentHelp("Save each message as .eml and its attachments decoded into this folder.", valueName: "dir"))
    var save: String?

    @Flag(name: .long, help: "With --save: only the attachments, not the .eml files.")
    var attachmentsOnly = false

    @Flag(name: .long, help: "Stay connected and fetch new messages as they arrive, until interrupted.")
    var follow = false

    @Flag(name: .long, help: "Print JSON (with --follow: one object per line).")
    var json = false

    func run() throws {
        try reportingErrors {
            let request = try makeRequest()
            let folder = try save.map { path throws(FetchError) in try SaveFolder(path) }
            let access = try MailAccess.open(options, socket: socket)
            let fetch = try FetchRun(account: name, access: access, fetcher: MailboxFetcher(request: request), folder: folder,
                                     attachmentsOnly: attachmentsOnly, json: json, follows: follow)
            let client = try access.imap(name, mail: mail).client
            // A signal lets a save finish its batch (no temporary file left, the state current).
            if follow || folder != nil { StopSignal.install() }
            do {
                try fetch.pass(client)
                if follow {
                    let loop = FollowLoop(run: fetch, connect: { try access.imap(name, mail: mail).client },
                                          mailbox: Output.safe(request.mailbox))
                    try loop.follow(from: client)
                } else {
                    try client.logout()
                }
            } catch {
                // What was listed and saved before the failure is still printed.
                try? fetch.finish()
                throw error
            }
            try fetch.finish()
            if fetch.failures > 0 { throw FetchError.notSaved(count: fetch.failures) }
        }
    }

    /// The options checked and turned into a request (bad input: exit 2, before connecting).
    private func makeRequest() throws(VaultError) -> FetchRequest {
        if let limit, limit < 1 { throw .invalidInput("--limit must be 1 or more") }
        if attachmentsOnly && save == nil { throw .invalidInput("--attachments-only needs --save DIR") }
        let sinceDay = try FetchRequest.day(since, option: "--since")
        let beforeDay = try FetchRequest.day(before, option: "--before")
        if let sinceDay, let beforeDay, beforeDay <= sinceDay { throw .invalidInput("--before must be a later day than --since") }
        let criteria = SearchCriteria(since: sinceDay, before: beforeDay,
                                      from: try FetchRequest.searchText(from, option: "--from"),
                                      subject: try FetchRequest.searchText(subject, option: "--subject"), unseen: unseen)
        return FetchRequest(mailbox: try FetchRequest.mailboxName(mailbox), criteria: criteria, limit: limit, onlyNew: new,
                            items: .all)
    }
}
