import Foundation
import Glibc

/// Second users for tests that attack across users (CI runs as root; such tests are skipped
/// otherwise). Each is a system user without a home or a login shell, made on first use.
public enum TestUsers {
    /// Why a user could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The uid and gid of system user `name`, created when missing.
    public static func ensure(_ name: String) throws -> (uid: UInt32, gid: UInt32) {
        if let entry = getpwnam(name) { return (entry.pointee.pw_uid, entry.pointee.pw_gid) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/useradd")
        process.arguments = ["--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard let entry = getpwnam(name) else {
            throw Failure(description: "useradd \(name) failed (status \(process.terminationStatus)); tests across users need root")
        }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// `arguments` run as `uid`/`gid` through `setpriv` (no supplementary groups).
    public static func command(as user: (uid: UInt32, gid: UInt32), _ arguments: [String]) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--"] + arguments
    }
}
