import GRDB

/// Maps SQLite failures onto ``VaultError`` cases a user can act on.
enum SQLiteErrors {
    static func map(_ error: any Error) -> VaultError {
        if let vaultError = error as? VaultError { return vaultError }
        guard let databaseError = error as? DatabaseError else { return .storage(String(describing: error)) }
        switch databaseError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .busy
        case .SQLITE_NOTADB:
            return .tampered("the file is not an appvault vault (not an SQLite database)")
        case .SQLITE_CORRUPT:
            return .tampered("the database is corrupt or truncated")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return .io("cannot write the vault: \(databaseError.message ?? "read-only or not permitted"); check the folder's permissions")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return .io("the vault could not be written: \(databaseError.message ?? "disk full or I/O error"); nothing was changed")
        default:
            return .storage(databaseError.message ?? "SQLite error \(databaseError.resultCode.rawValue)")
        }
    }
}
