import AppVault
import Foundation
import TestSupport
import Testing
@testable import MailConnectors

/// The real-world corpus: messages this team did not write, from two Debian packages that
/// scripts/install-deps.sh installs (see Tests/Corpus/README.md).
enum RealWorldCorpus {
    /// CPython's email test messages (PSF licence), from libpython3.11-testsuite.
    static let python = "/usr/lib/python3.11/test/test_email/data"
    /// enmime's test messages (CC0), from golang-github-jhillyerd-enmime-dev.
    static let enmime = "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"

    /// Every corpus file, sorted; fails when the packages are missing.
    static func files() throws -> [String] {
        var found: [String] = []
        for (folder, suffix) in [(python, ".txt"), (enmime + "/mail", ".raw"), (enmime + "/low-quality", ".raw"), (enmime + "/parts", ".raw")] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                throw TestServers.Unavailable(description: "the corpus folder \(folder) is missing; run scripts/install-deps.sh")
            }
            found += names.filter { $0.hasSuffix(suffix) }.sorted().map { folder + "/" + $0 }
        }
        return found
    }
}

/// What Python's email package (policy=default) says about one corpus message.
struct ReferenceMessage: Decodable {
    struct Part: Decodable {
        let section: String
        let type: String
        let filename: String?
        let payload: String?
    }

    let file: String
    let subject: String?
    let from: [[String?]]?
    let parts: [Part]
    let from_error: String?
    let subject_error: String?

    /// The From addresses as (name, address), names nil when empty.
    var fromAddresses: [MailAddress]? {
        from?.map { MailAddress(name: ($0[0] ?? "").isEmpty ? nil : $0[0], address: $0[1] ?? "") }
    }
}

@Suite("a real-world corpus through Dovecot, compared with Python's email package", .serialized)
struct CorpusTests {
    /// Parts where we knowingly decode differently from Python, and why.
    static let knownDifferences = [
        // Text labelled base64 that is not: Python returns the undecodable text as is, we
        // return what decodes (both are garbage; a streaming decoder cannot wait for the end).
        "mime-bad-content-transfer-encoding.raw 1": "invalid base64",
    ]

    /// Whitespace runs as one space, ends trimmed: Python and the server unfold a little differently.
    func normalised(_ text: String?) -> String? {
        text.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ") }
    }

    /// Whether two address lists agree. Python spells the empty address `<>`; with
    /// `ignoringNames`, display names are not compared.
    func sameAddresses(_ ours: [MailAddress], _ reference: [MailAddress], ignoringNames: Bool = false) -> Bool {
        guard ours.count == reference.count else { return false }
        return zip(ours, reference).allSatisfy { mine, theirs in
            (ignoringNames || normalised(mine.name) == normalised(theirs.name))
                && mine.address.lowercased() == (theirs.address == "<>" ? "" : theirs.address.lowercased())
        }
    }

    @Test("every message is appended, listed, searched, fetched and decoded as Python decodes it")
    func corpus() throws {
        let files = try RealWorldCorpus.files()
        #expect(files.count >= 120)
        let referenceFolder = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: referenceFolder) }
        let reference = try JSONDecoder().decode([ReferenceMessage].self,
                                                 from: try MailFixtures.python("email_reference.py", [referenceFolder] + files))
        let mailbox = MailFixtures.uniqueMailbox("corpus")
        let uids = try MailFixtures.append(files, to: mailbox)
        #expect(uids.count == files.count)

        let client = try MailFixtures.session()
        defer { try? client.logout() }
        let status = try client.examine(mailbox)
        #expect(status.messageCount == files.count)
        let all = try client.search(SearchCriteria())
        #expect(all == uids)
        let listing = try client.fetchSummaries(uids: all)
        #expect(listing.problems.isEmpty, "\(listing.problems)")
        #expect(listing.summaries.count == files.count)

        var disagreements: [String] = []
        var partsCompared = 0
        var serverParts = (agreeing: 0, differing: [String]())
        for (index, summary) in listing.summaries.enumerated() {
            let expected = reference[index]
            let name = URL(fileURLWithPath: expected.file).lastPathComponent
            #expect(summary.uid == uids[index])
            // The whole message, streamed, and parsed by our MIME parser.
            var eml: [UInt8] = []
            let size = try client.fetchMessage(uid: summary.uid!) { eml += $0 }
            #expect(size == summary.size, "\(name)")
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: expected.file)))
            #expect(eml.filter { $0 != 0x0D } == original.filter { $0 != 0x0D }, "\(name): the fetched message differs from the file")
            let parsed = MIMEEntity.parse(eml)

            // Subject and From: from the server's envelope (decoded by us) and from our parser.
            if expected.subject_error == nil {
                if normalised(summary.subject) != normalised(expected.subject ?? "") {
                    disagreements.append("\(name): envelope subject \(summary.subject.debugDescription) vs \(String(describing: expected.subject))")
                }
                if normalised(parsed.subject) != normalised(expected.subject) {
                    disagreements.append("\(name): parsed subject \(String(describing: parsed.subject)) vs \(String(describing: expected.subject))")
                }
            }
            if let from = expected.fromAddresses {
                // `addr (Comment)`: RFC 3501 leaves the name to the server; Dovecot takes the
                // comment, Python (rightly, RFC 5322 §3.4) does not. The addresses must agree.
                let raw = parsed.header.first("From")?.value ?? ""
                let commentName = !raw.contains("<") && raw.contains("(")
                if !sameAddresses(summary.from, from, ignoringNames: commentName) {
                    disagreements.append("\(name): envelope from \(summary.from) vs \(from)")
                }
                if !sameAddresses(parsed.from, from) {
                    disagreements.append("\(name): parsed from \(parsed.from) vs \(from)")
                }
            }

            // Each leaf part Python decoded: our parser must find and decode it the same way.
            // Where the server's structure agrees, the part fetched by number and decoded while
            // streaming must equal it too. Where Python and Dovecot read a broken message
            // differently, our parser may side with Dovecot (it numbers parts as IMAP does).
            for part in expected.parts {
                guard let payloadPath = part.payload else { continue }
                let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: payloadPath))).filter { $0 != 0x0D }
                // Python keeps a malformed type whole ("application/pdf name=x"); readers use its first word.
                let type = String(part.type.prefix { $0 != " " })
                partsCompared += 1
                var serverAgrees = false
                let server = summary.bodyStructure?.part(part.section)
                if let server, !server.isMultipart, server.mimeType == type {
                    var streamed: [UInt8] = []
                    try client.fetchPart(uid: summary.uid!, section: part.section, encoding: server.transferEncoding) { streamed += $0 }
                    serverAgrees = streamed.filter { $0 != 0x0D } == theirs
                }
                if serverAgrees { serverParts.agreeing += 1 } else { serverParts.differing.append("\(name) \(part.section)") }
                if type.hasPrefix("multipart/") {
                    // A multipart Python could not split is one part to it. Readers differ here
                    // (Dovecot invents an empty text part); ours must just have a part there:
                    // the multipart, or the text/plain it reads an unsplittable body as.
                    // (IMAP numbers a multipart by its children: "" at the top, "2" inside a forward at 2.)
                    let found = parsed.allParts.contains {
                        $0.structure.section == part.section || ($0.structure.section.isEmpty && part.section == "1")
                            || ($0.structure.isMultipart && $0.structure.section + ".1" == part.section)
                    }
                    if !found { disagreements.append("\(name) part \(part.section) (\(type)): no part there") }
                    continue
                }
                let ours = parsed.allParts.first { $0.structure.section == part.section && $0.structure.mimeType == type }
                let decoded = ours?.decodedBody().filter { $0 != 0x0D }
                let nameAgrees = normalised(ours?.structure.fileName) == normalised(part.filename.flatMap { $0.isEmpty ? nil : $0 })
                if decoded == theirs && nameAgrees { continue }
                if !serverAgrees, let mine = parsed.part(part.section), let server, mine.structure.mimeType == server.mimeType,
                   mine.body.count == server.size {
                    continue  // Python reads this broken part differently from Dovecot; we read it as Dovecot does
                }
                if let reason = Self.knownDifferences["\(name) \(part.section)"] {
                    Issue.record(Comment(rawValue: "expected difference still there (\(reason))"), severity: .warning)
                    continue
                }
                disagreements.append("\(name) part \(part.section) (\(type)): ours \(decoded.map { "\($0.count) bytes" } ?? "missing")"
                    + " named \(String(describing: ours?.structure.fileName)) vs \(theirs.count) bytes named \(String(describing: part.filename))")
            }
        }
        let report = disagreements.joined(separator: "\n")
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(report)")
        #expect(partsCompared >= 150)
        // Dovecot parses a few broken messages differently from Python (a boundary given in
        // RFC 2231 form, a body without header, boundaries inside text); nearly everywhere
        // else the streamed parts are byte for byte Python's.
        #expect(serverParts.agreeing >= partsCompared * 85 / 100, "server parts differing: \(serverParts.differing)")

        // Searching: every message is found by a word of its subject, and by its sender.
        for (index, summary) in listing.summaries.enumerated() {
            if let word = summary.subject.split(separator: " ").first(where: { $0.count >= 4 && $0.allSatisfy(\.isLetter) }) {
                let found = try client.search(SearchCriteria(subject: String(word)))
                #expect(found.contains(uids[index]), "subject \(String(word))")
            }
            if let sender = summary.from.first?.address, sender.contains("@"), sender.utf8.count < 80 {
                let found = try client.search(SearchCriteria(from: sender))
                #expect(found.contains(uids[index]), "from \(sender)")
            }
        }
    }
}
