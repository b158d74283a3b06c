#if canImport(Glibc)
internal import Glibc
#endif

/// Writes a file so that it appears whole or not at all, and never replaces an existing file:
/// the bytes go to a hidden temporary file in the same folder (created with `O_EXCL`,
/// `O_NOFOLLOW`, mode 0600), which is flushed to disk and then linked into place (`link` fails
/// rather than replace a file) and unlinked. Dropping the writer without ``commit()`` removes
/// the temporary file.
public final class AtomicFileWriter {
    /// The final path.
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false
    private let durable: Bool
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Creates the temporary file for `path`.
    /// - Parameter durable: flush the file and its folder to disk before and after linking it
    ///   (`fsync`, about a millisecond a file), so that after a crash it is there whole or not
    ///   at all; false for scratch files that may be lost (the file still appears whole).
    /// - Throws: ``ConnectorError/outputFailed(_:)`` when the folder is not writable or `path`
    ///   already exists.
    public init(path: String, mode: Int = 0o600, durable: Bool = true) throws(ConnectorError) {
        self.path = path
        self.durable = durable
        let folder = Self.folder(of: path)
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else { throw .outputFailed("'\(ConnectorError.sanitize(path))' is not a file name") }
        var info = stat()
        if lstat(path, &info) == 0 { throw .outputFailed("\(ConnectorError.sanitize(path)) already exists") }
        let random = (0..<8).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        temporaryPath = folder + "/." + String(name.prefix(200)) + ".partial-" + random
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw .outputFailed("cannot create a file in \(ConnectorError.sanitize(folder)): \(String(cString: strerror(errno)))") }
    }

    deinit { discard() }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(ConnectorError) {
        guard fd >= 0 else { throw .outputFailed("\(ConnectorError.sanitize(path)) is already closed") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .outputFailed("writing \(ConnectorError.sanitize(path)): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        bytesWritten += bytes.count
    }

    /// Flushes the file to disk (when durable) and links it as ``path``; fails if ``path``
    /// exists by now. `syncingFolder: false` leaves flushing the folder's entry to the caller
    /// (``syncFolder(_:)`` once for many files).
    public func commit(syncingFolder: Bool = true) throws(ConnectorError) {
        guard fd >= 0 else { throw .outputFailed("\(ConnectorError.sanitize(path)) is already closed") }
        guard !durable || fsync(fd) == 0 else { throw .outputFailed("flushing \(ConnectorError.sanitize(path)): \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        defer { unlink(temporaryPath) }
        guard link(temporaryPath, path) == 0 else {
            let reason = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw .outputFailed("cannot create \(ConnectorError.sanitize(path)): \(reason)")
        }
        committed = true
        if durable && syncingFolder { Self.syncFolder(Self.folder(of: path)) }
    }

    /// Flushes the entries of `folder` (new and renamed files) to disk, best effort.
    public static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// The folder holding `path` (`.` for a bare name).
    static func folder(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    }

    /// Removes the temporary file (nothing happens after ``commit()``).
    public func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !committed { unlink(temporaryPath) }
    }
}
