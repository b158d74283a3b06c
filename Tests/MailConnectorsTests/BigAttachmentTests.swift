import Foundation
import Glibc
import TestSupport
import Testing
@testable import MailConnectors

/// Bytes that do not compress, the same every run.
func noise(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}

/// This process's resident set size and its peak since the last reset, in bytes (/proc/self/status).
func memoryUsage() -> (resident: Int, peak: Int) {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func field(_ name: String) -> Int {
        let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
    return (field("VmRSS"), field("VmHWM"))
}

@Suite("a 30 MB attachment is fetched in bounded memory")
struct BigAttachmentTests {
    static let size = 30 * 1024 * 1024

    @Test("fetching the attachment and the 40 MB message to files raises the peak RSS by far less than their size")
    func boundedMemory() throws {
        let attachment = noise(Self.size)
        var eml = "From: bank@example.test\r\nTo: me@example.test\r\nSubject: the big one\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nattached\r\n--big\r\n"
            + "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"archive-2026.pdf\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n"
        eml += Data(attachment).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        eml += "\r\n--big--\r\n"
        let mailbox = MailFixtures.uniqueMailbox("big")
        let source = try MailFixtures.file(Array(eml.utf8), named: "big.eml")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: source).deletingLastPathComponent().path) }
        let uid = try #require(try MailFixtures.append([source], to: mailbox).first)
        let output = try MailFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: output) }

        // The fetch runs in a child process (this test binary, running only the probe below), so
        // other tests running in parallel here cannot disturb its memory figures.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["--testing-library", "swift-testing", "--filter", "BigAttachmentProbe"]
        child.environment = ProcessInfo.processInfo.environment.merging(
            ["APPVAULT_FETCH_PROBE": "\(mailbox) \(uid) \(output)"]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        let figures = try String(contentsOfFile: output + "/memory", encoding: .utf8).split(separator: " ").compactMap { Int($0) }
        try #require(figures.count == 3)
        let (baseline, peak, messageBytes) = (figures[0], figures[1], figures[2])
        #expect(messageBytes > 40_000_000)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: output + "/archive-2026.pdf"))) == attachment)
        #expect(peak - baseline < 16 * 1024 * 1024, "peak RSS grew by \((peak - baseline) / 1024) KiB over \(baseline / 1024) KiB")
        #expect(peak < 64 * 1024 * 1024, "peak RSS \(peak / 1024) KiB")
        print("big attachment fetch: baseline \(baseline / 1024) KiB, peak \(peak / 1024) KiB")
    }
}

/// The child side of ``BigAttachmentTests``: runs only when the parent asks for it.
@Suite("BigAttachmentProbe", .enabled(if: ProcessInfo.processInfo.environment["APPVAULT_FETCH_PROBE"] != nil))
struct BigAttachmentProbe {
    @Test("fetch the big message and its attachment to files, report memory")
    func probe() throws {
        let arguments = (ProcessInfo.processInfo.environment["APPVAULT_FETCH_PROBE"] ?? "").split(separator: " ").map(String.init)
        try #require(arguments.count == 3)
        let (mailbox, uid, output) = (arguments[0], try #require(UInt32(arguments[1])), arguments[2])
        let client = try MailFixtures.session(timeout: .seconds(60))
        defer { try? client.logout() }
        try client.examine(mailbox)
        let summary = try #require(try client.fetchSummaries(uids: [uid]).summaries.first)
        let attachment = try #require(summary.attachments.first)
        // Forget the peak so far (loading, connecting), then measure the fetches alone.
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let baseline = memoryUsage().resident
        try client.fetchAttachment(attachment, uid: uid, toFile: output + "/" + SafeFileName.make(attachment.fileName ?? ""))
        let messageBytes = try client.fetchMessage(uid: uid, toFile: output + "/message.eml")
        let peak = memoryUsage().peak
        try "\(baseline) \(peak) \(messageBytes)".write(toFile: output + "/memory", atomically: true, encoding: .utf8)
    }
}
