import AppVault
import ArgumentParser
import Foundation
import Glibc
import MailConnectors

/// `appvault send`: send a text message read from standard input, with files attached.
struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a text message (body from standard input), with --attach files, from an account.",
        discussion: """
            Through a running, unlocked agent when there is one (no passphrase), else with the \
            vault unlocked here. Each --attach FILE is sent base64-encoded with its media type \
            guessed from the extension (application/octet-stream otherwise) and its file name \
            (RFC 2231 when not plain ASCII); all files are read before anything is sent.
            """)

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions
    @OptionGroup var mail: MailOptions

    @Argument(help: "The account's name; its address is the sender.")
    var name: String

    @Option(name: .long, help: "Recipient address (repeat for several).")
    var to: [String]

    @Option(name: .long, help: "The subject line.")
    var subject = ""

    @Option(name: .long, help: ArgumentHelp("Attach this file (repeat for several).", valueName: "file"))
    var attach: [String] = []

    /// The largest body read from standard input.
    static let maximumBodyBytes = 10_000_000
    /// The most bytes of attachments in one message (most providers refuse messages over 25 MB).
    static let maximumAttachmentBytes = 25_000_000

    func run() throws {
        try reportingErrors {
            guard !to.isEmpty else { throw VaultError.invalidInput("give at least one --to address") }
            let attachments = try readAttachments()
            let body = FileHandle.standardInput.readData(ofLength: Self.maximumBodyBytes + 1)
            guard body.count <= Self.maximumBodyBytes else {
                throw VaultError.invalidInput("the message body is larger than \(Self.maximumBodyBytes) bytes")
            }
            guard let text = String(data: body, encoding: .utf8) else {
                throw VaultError.invalidInput("the message body is not valid UTF-8")
            }
            let access = try MailAccess.open(options, socket: socket)
            let session = try access.smtp(name, mail: mail)
            let message = try MailMessage(from: session.username, to: to, subject: subject, body: text, attachments: attachments)
            let bytes = Int64(message.rfc5322().count)
            if case .local(let vault) = access {
                try vault.ensureAllowance(account: name, direction: .upload, bytes: bytes)
            }
            try session.client.send(message)
            try session.client.quit()
            let files = attachments.isEmpty ? "" : " with \(attachments.count) attachment\(attachments.count == 1 ? "" : "s")"
            Output.line("Sent \(bytes) bytes\(files) from \(session.username) to \(to.joined(separator: ", ")) via \(session.endpoint)\(access.throughAgent ? " (through the agent)" : "")")
        }
    }

    /// Every `--attach` file, read whole; an unreadable one is bad input, found before connecting.
    private func readAttachments() throws -> [MailAttachment] {
        var total = 0
        return try attach.map { path in
            let data = try Self.read(path, limit: Self.maximumAttachmentBytes - total)
            total += data.count
            let fileName = path.split(separator: "/").last.map(String.init) ?? path
            return try MailAttachment(fileName: fileName, mimeType: MediaType.of(fileName: fileName), data: data)
        }
    }

    /// The bytes of the regular file at `path`, at most `limit`.
    private static func read(_ path: String, limit: Int) throws(VaultError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .invalidInput("cannot read --attach \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .invalidInput("--attach \(path) is not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw .invalidInput("the attachments are larger than \(maximumAttachmentBytes) bytes in all")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw .invalidInput("cannot read --attach \(path): \(got < 0 ? String(cString: strerror(errno)) : "it got shorter")") }
            offset += got
        }
        return bytes
    }
}
