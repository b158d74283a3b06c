package import AppVault
import Foundation
internal import CLibPQ

/// Where a PostgreSQL vault is: a `postgresql://` (or `postgres://`) URL or a libpq `key=value`
/// string, checked before anything is sent anywhere.
///
/// Refused: a string that carries a password (`user:secret@`, `password=`, `sslpassword=`), a
/// process whose environment carries one (`PGPASSWORD`), and a weaker `sslmode` than
/// `verify-full` for a server reached over the network. The database password comes from
/// libpq's own files (`~/.pgpass`, `PGPASSFILE`, a service file) or a client certificate.
/// Without an `sslmode`, `verify-full` is used; the connection itself is checked again once
/// made (a service file may name other settings). ``location`` never shows a secret.
package struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    /// The connection string as the user gave it (checked to hold no password).
    package let connectionString: String
    /// Host (or socket folder), port, database and user, for messages.
    package let location: String
    /// Whether every server is reached through a Unix-domain socket (no TLS needed).
    package let socketOnly: Bool

    package var description: String { location }

    /// Settings applied unless the connection string names them (they precede it, and libpq
    /// lets later settings win). `target_session_attrs=read-write` keeps a multi-host string
    /// on the primary; the time-outs bound how long a dead server or network can hold a call.
    static let defaults: [(String, String)] = [
        ("sslmode", "verify-full"),
        ("target_session_attrs", "read-write"),
        ("connect_timeout", "5"),
        ("application_name", "appvault"),
        ("tcp_user_timeout", "10000"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "3"),
        ("keepalives_count", "3"),
    ]

    /// Whether `text` is meant as a PostgreSQL address rather than a file path: a
    /// `postgresql://` or `postgres://` URL, or libpq `key=value` settings.
    package static func isConnectionString(_ text: String) -> Bool {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") { return true }
        guard let equals = text.firstIndex(of: "=") else { return false }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        return !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") }
    }

    /// Checks `text` and the environment; see the type's documentation for what is refused.
    package init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(VaultError) {
        guard Self.isConnectionString(text) else {
            throw .invalidInput("'\(Self.printable(text))' is not a PostgreSQL address: give a postgresql://HOST/DATABASE URL or libpq key=value settings (host=... dbname=...)")
        }
        if let value = environment["PGPASSWORD"], !value.isEmpty { throw .invalidInput(Self.passwordRefusal("PGPASSWORD is set")) }
        let options = try Self.parse(text)
        for key in ["password", "sslpassword"] where !(options[key] ?? "").isEmpty {
            throw .invalidInput(Self.passwordRefusal("the address holds a \(key)"))
        }
        let hosts = (options["host"] ?? environment["PGHOST"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let hostaddrs = (options["hostaddr"] ?? environment["PGHOSTADDR"] ?? "").split(separator: ",").map(String.init)
        socketOnly = hostaddrs.isEmpty && hosts.allSatisfy { $0.isEmpty || $0.hasPrefix("/") || $0.hasPrefix("@") }
        if let mode = options["sslmode"], mode != "verify-full", !socketOnly {
            throw .invalidInput("sslmode=\(Self.printable(mode)) does not check the server's certificate and name; a PostgreSQL server reached over the network needs sslmode=verify-full (with sslrootcert=FILE naming the CA that signed its certificate)")
        }
        connectionString = text
        location = Self.location(options: options, hosts: hosts, hostaddrs: hostaddrs, environment: environment)
    }

    /// libpq's reading of `text`, option by option (only options that are set).
    private static func parse(_ text: String) throws(VaultError) -> [String: String] {
        // libpq is loaded here, on the first use of a PostgreSQL vault (CLibPQ's shim.h says why).
        guard appvault_pq_load() != 0 else {
            throw .storeUnreachable("a vault in PostgreSQL needs libpq, which cannot be loaded (libpq.so.5); install it: apt install libpq5")
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = appvault_PQconninfoParse()!(text, &message) else {
            let detail = message.map { String(cString: $0) } ?? "libpq could not parse it"
            if let message { appvault_PQfreemem()!(message) }
            // A malformed part may be a password; never quote the string back then.
            if holdsPasswordSyntax(text) { throw .invalidInput(passwordRefusal("the address holds a password")) }
            throw .invalidInput("the PostgreSQL address is malformed: \(printable(detail.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        defer { appvault_PQconninfoFree()!(parsed) }
        var options = [String: String]()
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { options[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return options
    }

    /// Whether `text` looks like it names a password, even where libpq cannot parse it.
    private static func holdsPasswordSyntax(_ text: String) -> Bool {
        if text.lowercased().contains("password") { return true }
        guard let scheme = text.range(of: "://") else { return false }
        let authority = text[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }

    private static func passwordRefusal(_ what: String) -> String {
        "\(what); appvault never takes a database password from arguments or the environment: put it in ~/.pgpass (or the file PGPASSFILE names) or a service file (service=NAME), or log in with a client certificate (sslcert=FILE sslkey=FILE)"
    }

    /// `postgresql://user@host:port,host:port/database`, from what is known without connecting.
    private static func location(options: [String: String], hosts: [String], hostaddrs: [String],
                                 environment: [String: String]) -> String {
        if let service = options["service"] ?? environment["PGSERVICE"], options["host"] == nil {
            return printable("postgresql service '\(service)'" + (options["dbname"].map { ", database '\($0)'" } ?? ""))
        }
        let names = hosts.isEmpty || hosts == [""] ? (hostaddrs.isEmpty ? ["local socket"] : hostaddrs) : hosts
        let ports = (options["port"] ?? environment["PGPORT"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let servers = names.enumerated().map { index, host -> String in
            let port = ports.count == names.count ? ports[index] : (ports.first ?? "")
            let shown = host.isEmpty ? "local socket" : host
            return port.isEmpty ? shown : shown + ":" + port
        }
        let user = options["user"] ?? environment["PGUSER"]
        let database = options["dbname"] ?? environment["PGDATABASE"] ?? user ?? ""
        return printable("postgresql://" + (user.map { $0 + "@" } ?? "") + servers.joined(separator: ",") + "/" + database)
    }

    /// `text` without control characters, for messages.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}
