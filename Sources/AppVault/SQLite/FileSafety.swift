import Glibc

/// Checks and creates the vault's file and folder with private permissions.
enum FileSafety {
    /// Creates `folder` (and missing parents) with mode 0700; refuses an existing folder that
    /// other users can write to.
    static func preparePrivateFolder(_ folder: String) throws(VaultError) {
        var info = stat()
        if lstat(folder, &info) != 0 {
            guard errno == ENOENT else { throw .io("cannot inspect \(folder): \(String(cString: strerror(errno)))") }
            let parent = parentFolder(of: folder)
            if parent != folder { try ensureFolderExists(parent) }
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
                throw .io("cannot create \(folder): \(String(cString: strerror(errno)))")
            }
            return
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .invalidInput("\(folder) is not a folder") }
        guard info.st_mode & 0o022 == 0 || info.st_mode & S_ISVTX != 0 && info.st_uid == geteuid() else {
            throw .insecurePermissions(path: folder, mode: UInt16(info.st_mode & 0o7777))
        }
    }

    private static func ensureFolderExists(_ folder: String) throws(VaultError) {
        var info = stat()
        if stat(folder, &info) == 0 { return }
        let parent = parentFolder(of: folder)
        if parent != folder { try ensureFolderExists(parent) }
        guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
            throw .io("cannot create \(folder): \(String(cString: strerror(errno)))")
        }
    }

    /// Refuses a vault path that is missing, not a regular file, a symbolic link, another
    /// user's file, or readable or writable by others.
    static func checkVaultFile(_ path: String) throws(VaultError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { throw .vaultNotFound(path) }
            throw .io("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: throw .invalidInput("\(path) is a symbolic link; give the vault's real path")
        case S_IFDIR: throw .invalidInput("\(path) is a folder, not a vault file")
        default: throw .invalidInput("\(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else { throw .invalidInput("\(path) belongs to another user (uid \(info.st_uid))") }
        guard info.st_mode & 0o077 == 0 else {
            throw .insecurePermissions(path: path, mode: UInt16(info.st_mode & 0o7777))
        }
    }

    /// Whether anything exists at `path` (without following a final symbolic link).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates an empty vault file with mode 0600; fails if anything is at `path`.
    static func createPrivateFile(_ path: String) throws(VaultError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .vaultExists(path) }
            throw .io("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }
}
