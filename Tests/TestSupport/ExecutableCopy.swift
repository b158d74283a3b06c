public import Foundation
import Glibc

/// Copies of executables that tests run.
///
/// `FileManager.copyItem` opens the copy without `O_CLOEXEC`, so a program that another test
/// starts at that moment inherits a descriptor open for writing and keeps it for its lifetime;
/// running the copy then fails with "Text file busy" (ETXTBSY). These copies are written through a
/// close-on-exec descriptor, and running one retries the short fork-to-exec window of other tests.
public enum ExecutableCopy {
    /// Why a copy could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Copies `source` to `destination` with mode `mode`, through a close-on-exec descriptor.
    public static func make(from source: String, to destination: String, mode: mode_t = 0o755) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(destination): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw Failure(description: "cannot write \(destination): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        guard fchmod(fd, mode) == 0 else { throw Failure(description: "cannot chmod \(destination)") }
    }

    /// Starts `process`, retrying while another test's fork still holds the copy open (ETXTBSY).
    public static func run(_ process: Process) throws {
        var attempts = 0
        while true {
            do {
                try process.run()
                return
            } catch let error as NSError where attempts < 20 && isTextFileBusy(error) {
                attempts += 1
                usleep(50_000)
            }
        }
    }

    private static func isTextFileBusy(_ error: NSError) -> Bool {
        let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
        return underlying?.domain == NSPOSIXErrorDomain && underlying?.code == Int(ETXTBSY)
    }
}
