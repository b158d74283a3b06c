import AppVault
import Glibc
import MailConnectors

/// The folder `fetch --save DIR` writes into, and the names of the files it writes there.
///
/// The folder is created with mode 0700 when it is missing (its parent must exist). An existing
/// one must be a real folder (not a symbolic link) of this user that others cannot write to, so
/// nobody else can plant or swap files in it. Names come from ``SafeFileName``: a message is
/// `UID.eml`, an attachment keeps its own (sanitised) name; a name already used, in the folder or
/// earlier in this run, gets ` (2)`, ` (3)`... Files are created by ``AtomicFileWriter``, which never
/// replaces a file.
final class SaveFolder {
    let path: String
    private var taken: Set<String> = []

    /// Checks or creates `path`.
    init(_ path: String) throws(FetchError) {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard !trimmed.isEmpty else { throw .badFolder(path, "is empty") }
        self.path = trimmed
        var info = stat()
        if lstat(trimmed, &info) != 0 {
            guard errno == ENOENT else { throw .badFolder(trimmed, "cannot be examined: \(String(cString: strerror(errno)))") }
            guard mkdir(trimmed, 0o700) == 0 else {
                throw .badFolder(trimmed, "cannot be created: \(String(cString: strerror(errno)))")
            }
            guard lstat(trimmed, &info) == 0 else { throw .badFolder(trimmed, "cannot be examined: \(String(cString: strerror(errno)))") }
        }
        if info.st_mode & S_IFMT == S_IFLNK { throw .unsafeFolder(trimmed, "is a symbolic link") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .badFolder(trimmed, "is not a folder") }
        guard info.st_uid == geteuid() else { throw .unsafeFolder(trimmed, "belongs to uid \(info.st_uid), not \(geteuid())") }
        guard info.st_mode & 0o002 == 0 else {
            throw .unsafeFolder(trimmed, "is writable by others (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        guard access(trimmed, W_OK | X_OK) == 0 else { throw .badFolder(trimmed, "is not writable") }
    }

    /// The file name for the whole message.
    func messageName(_ message: MessageSummary) -> String {
        SafeFileName.unique("\(message.uid ?? 0).eml", in: path, taken: &taken)
    }

    /// The file name for an attachment: its own name made safe, else `UID-part-SECTION` (`.eml`
    /// for a forwarded message).
    func attachmentName(_ message: MessageSummary, _ attachment: Attachment) -> String {
        let fallback = "\(message.uid ?? 0)-part-\(attachment.section)" + (attachment.isForwardedMessage ? ".eml" : "")
        return SafeFileName.unique(SafeFileName.make(attachment.fileName ?? "", fallback: fallback), in: path, taken: &taken)
    }
}
