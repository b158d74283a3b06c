import AppVault

/// Why `fetch` stopped or did not save everything.
enum FetchError: ReportableError {
    /// `--save DIR` is a symbolic link, another user's folder, or writable by others: someone
    /// else could plant or swap files in it. Use a private folder (`chmod 700`).
    case unsafeFolder(String, String)
    /// `--save DIR` cannot be used (not a folder, cannot be created, not writable); the text says why.
    case badFolder(String, String)
    /// Some messages were not saved (each is listed on standard error). With `--new`, the next
    /// run starts again from the first one that could not be written; messages the server could
    /// not deliver were skipped.
    case notSaved(count: Int)
    /// SIGINT or SIGTERM stopped the run after a batch: everything listed as saved is on disk
    /// (with `--new`, the next run goes on from there); the rest was not fetched.
    case interrupted

    var exitCode: Int32 {
        switch self {
        case .unsafeFolder: ExitStatus.insecurePermissions.rawValue
        case .badFolder: ExitStatus.badInput.rawValue
        case .notSaved, .interrupted: ExitStatus.failure.rawValue
        }
    }

    var description: String {
        switch self {
        case .unsafeFolder(let path, let problem): "refusing to save into \(path): it \(problem)"
        case .badFolder(let path, let problem): "cannot save into \(path): it \(problem)"
        case .notSaved(let count): "\(count) message\(count == 1 ? "" : "s") could not be saved (see above)"
        case .interrupted: "interrupted after a batch: every file written is complete; the rest was not fetched (with --new, the next run goes on from there)"
        }
    }
}
