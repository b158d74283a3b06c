import AppVault

/// Maps libpq and server failures onto ``AppVault/VaultError`` cases a user can act on.
enum PostgresErrors {
    static func map(_ failure: PostgresFailure, at location: String) -> VaultError {
        let state = failure.sqlState ?? ""
        if failure.connectionLost || state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state) {
            return .storeUnreachable("\(location): \(failure.message); nothing was changed")
        }
        switch state {
        case "25006":
            return .storeUnreachable("\(location) is a read-only server (a standby), so nothing was changed; add target_session_attrs=read-write to reach the primary")
        case "55P03", "40001", "40P01":
            return .busy
        case "42P01", "42703":
            return .tampered("the vault's tables in \(location) were altered or dropped (\(failure.message))")
        case "42501":
            return .io("the database user may not use the vault's tables in \(location): \(failure.message); grant it SELECT, INSERT, UPDATE, DELETE on them")
        case "53100", "53200":
            return .io("\(location) could not store the change (\(failure.message)); nothing was changed")
        default:
            return .storage("\(location): \(failure)")
        }
    }
}
