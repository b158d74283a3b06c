import Foundation
import TestSupport

/// Changes a test mailbox the way another mail client would: Tests/Scripts/mailbox_tool.py,
/// Python's imaplib logged in to the test Dovecot with the mailbox user's own password.
struct MailboxTool {
    /// The scene's runner: its folder holds the message files handed to the script.
    let cli: CLIRunner
    let address: String
    let password: String

    /// Tests/Scripts, with the Python helper.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts").path

    /// APPENDs `message` to `mailbox` (created if needed) with an INTERNALDATE
    /// (`27-Nov-2026 10:00:00 +0000`) and flags; its UID.
    @discardableResult
    func append(_ message: [UInt8], to mailbox: String = "INBOX", date: String? = nil, flags: [String] = []) throws -> UInt32 {
        let file = cli.folder + "/append-\(UUID().uuidString).eml"
        guard FileManager.default.createFile(atPath: file, contents: Data(message)) else { throw SceneFailure("cannot write \(file)") }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let reply = try run(["append", mailbox, file, date ?? "-"] + flags)
        guard let uid = reply["uid"] as? Int else { throw SceneFailure("append: \(reply)") }
        return UInt32(uid)
    }

    /// APPENDs `message` to `mailbox` `count` times; the last UID.
    @discardableResult
    func append(copies count: Int, of message: [UInt8], to mailbox: String = "INBOX") throws -> UInt32 {
        let file = cli.folder + "/copies-\(UUID().uuidString).eml"
        guard FileManager.default.createFile(atPath: file, contents: Data(message)) else { throw SceneFailure("cannot write \(file)") }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let reply = try run(["copies", mailbox, file, String(count)])
        guard let uid = reply["uid"] as? Int else { throw SceneFailure("copies: \(reply)") }
        return UInt32(uid)
    }

    /// DELETEs and CREATEs `mailbox`: the server gives it a new UIDVALIDITY.
    func recreate(_ mailbox: String) throws -> (old: Int, new: Int) {
        let reply = try run(["recreate", mailbox])
        guard let old = reply["old"] as? Int, let new = reply["new"] as? Int else { throw SceneFailure("recreate: \(reply)") }
        return (old, new)
    }

    private func run(_ arguments: [String]) throws -> [String: Any] {
        let result = try cli.run([Self.scripts + "/mailbox_tool.py", String(try MailTestServers.port(10993)),
                                  try MailTestServers.directory() + "/ca.pem", address] + arguments,
                                 stdin: Data((password + "\n").utf8), executable: "/usr/bin/python3")
        guard result.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw SceneFailure("mailbox_tool.py \(arguments.first ?? ""): \(result.all)")
        }
        return object
    }
}
