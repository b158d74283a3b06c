import Glibc

/// Checks and creates the vault's file and folder with private permissions.
///
/// Checked at every open, not only at `init`: the folder must not be writable by others (else
/// another user could plant or swap the vault's `-wal` or `-shm` file and read fresh pages or
/// feed old ones), and the file and its `-wal`/`-shm` companions must be regular files of this
/// user that nobody else can read or write.
enum FileSafety {
    /// Creates `folder` (and missing parents) with mode 0700; refuses an existing folder that
    /// others can write to.
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
        try checkFolder(folder, info)
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

    /// The vault's folder must be a folder (not a link) of this user or root that no other user
    /// can write to (a sticky bit does not help: others could still create `vault.db-wal`).
    private static func checkFolder(_ folder: String, _ info: stat) throws(VaultError) {
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .invalidInput("\(folder) is not a folder") }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw .invalidInput("the vault's folder \(folder) belongs to another user (uid \(info.st_uid)); keep the vault in a folder of your own")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw .insecurePermissions(path: folder, mode: UInt16(info.st_mode & 0o7777))
        }
    }

    /// Refuses a vault whose folder others can write to, or whose file (or `-wal`/`-shm` file)
    /// is missing, not a regular file, a symbolic link, another user's, or open to others.
    static func checkVaultFile(_ path: String) throws(VaultError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { throw .vaultNotFound(path) }
            throw .io("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        try checkPrivateFile(path, info, what: "the vault")
        let folder = parentFolder(of: path)
        var folderInfo = stat()
        guard lstat(folder, &folderInfo) == 0 else { throw .io("cannot inspect \(folder): \(String(cString: strerror(errno)))") }
        try checkFolder(folder, folderInfo)
        for suffix in ["-wal", "-shm", "-journal"] {
            var companion = stat()
            if lstat(path + suffix, &companion) == 0 {
                try checkPrivateFile(path + suffix, companion, what: "the vault's \(suffix.dropFirst()) file")
            }
        }
    }

    private static func checkPrivateFile(_ path: String, _ info: stat, what: String) throws(VaultError) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: throw .invalidInput("\(path) is a symbolic link; give \(what)'s real path")
        case S_IFDIR: throw .invalidInput("\(path) is a folder, not \(what)")
        default: throw .invalidInput("\(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw .invalidInput("\(path) (\(what)) belongs to another user (uid \(info.st_uid)); refusing to use it")
        }
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
