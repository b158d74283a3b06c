import Glibc
public import VaultCrypto

/// What unlocks a vault: a passphrase (through Argon2id) or the contents of a key file.
///
/// The material stays in guarded memory and is consumed by the vault call that uses it.
public struct MasterCredential: ~Copyable {
    /// Which kind of credential this is; recorded in the vault header.
    public enum Kind: String, Sendable, Codable {
        /// A passphrase stretched with Argon2id.
        case passphrase
        /// 32 or more random bytes from a key file, hashed with the vault's salt.
        case keyFile = "keyfile"
    }

    /// The kind of credential.
    public let kind: Kind
    let material: SecureBytes

    /// The longest passphrase accepted (bytes).
    public static let maximumPassphraseBytes = 1024
    /// The shortest and longest key file accepted (bytes).
    public static let keyFileSizes = 32...4096

    /// A passphrase. It must not be empty and at most ``maximumPassphraseBytes`` long.
    public static func passphrase(_ bytes: consuming SecureBytes) throws(VaultError) -> MasterCredential {
        guard bytes.count > 0 else { throw .invalidInput("the passphrase is empty") }
        guard bytes.count <= maximumPassphraseBytes else {
            throw .invalidInput("the passphrase is longer than \(maximumPassphraseBytes) bytes")
        }
        return MasterCredential(kind: .passphrase, material: bytes)
    }

    /// The fewest characters a new passphrase may have.
    public static let minimumPassphraseCharacters = 12

    /// Refuses a new passphrase shorter than ``minimumPassphraseCharacters`` characters (counted
    /// as Unicode scalars, without decoding the secret into a String). Existing vaults with a
    /// shorter passphrase still open; only `init` and `passwd` set one.
    func checkStrength() throws(VaultError) {
        guard kind == .passphrase else { return }
        let characters = material.withUnsafeBytes { bytes in bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }
        guard characters >= Self.minimumPassphraseCharacters else {
            throw .invalidInput("the passphrase has \(characters) characters; use at least \(Self.minimumPassphraseCharacters) (a few random words are easy to type and hard to guess)")
        }
    }

    /// Key file contents already read into guarded memory.
    public static func keyFile(contents: consuming SecureBytes) throws(VaultError) -> MasterCredential {
        guard keyFileSizes.contains(contents.count) else {
            throw .invalidInput("a key file must hold \(keyFileSizes.lowerBound) to \(keyFileSizes.upperBound) bytes, this one holds \(contents.count)")
        }
        return MasterCredential(kind: .keyFile, material: contents)
    }

    /// Reads the key file at `path` into guarded memory. It must be a regular file of the
    /// current user that others cannot read.
    public static func readKeyFile(at path: String) throws(VaultError) -> MasterCredential {
        try keyFile(contents: SecretFile.read(path: path, maximumBytes: keyFileSizes.upperBound, requirePrivate: true))
    }

    /// Creates a new key file at `path` (mode 0600, never overwriting) holding 32 random bytes.
    public static func createKeyFile(at path: String) throws(VaultError) -> MasterCredential {
        let contents: SecureBytes
        do { contents = try SecureBytes.random(count: 32) } catch { throw .crypto(error.description) }
        try SecretFile.createExclusive(path: path, contents: contents)
        return try readKeyFile(at: path)
    }

    private init(kind: Kind, material: consuming SecureBytes) {
        self.kind = kind
        self.material = material
    }
}

/// Reads and writes small secret files straight into or out of guarded memory.
package enum SecretFile {
    /// Reads at most `maximumBytes` from `path` into guarded memory.
    /// With `requirePrivate`, refuses files that are not regular, not ours, or readable by others.
    package static func read(path: String, maximumBytes: Int, requirePrivate: Bool) throws(VaultError) -> SecureBytes {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("cannot stat \(path): \(String(cString: strerror(errno)))") }
        if requirePrivate {
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw .invalidInput("\(path) is not a regular file") }
            guard info.st_uid == geteuid() else { throw .invalidInput("\(path) belongs to another user") }
            guard info.st_mode & 0o077 == 0 else {
                throw .insecurePermissions(path: path, mode: UInt16(info.st_mode & 0o7777))
            }
        }
        var buffer: SecureBytes
        do { buffer = try SecureBytes(zeroedCount: maximumBytes + 1) } catch { throw .crypto(error.description) }
        var total = 0
        while total <= maximumBytes {
            let got = buffer.withUnsafeMutableBytes { out in
                Glibc.read(fd, out.baseAddress! + total, out.count - total)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            total += got
        }
        guard total <= maximumBytes else {
            throw .invalidInput("\(path) is larger than \(maximumBytes) bytes")
        }
        do { return try buffer.slice(0..<total) } catch { throw .crypto(error.description) }
    }

    /// Writes `contents` to a new file at `path` with mode 0600; fails if the path exists.
    package static func createExclusive(path: String, contents: borrowing SecureBytes) throws(VaultError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists already" : String(cString: strerror(errno))
            throw .io("cannot create \(path): \(reason)")
        }
        defer { close(fd) }
        let written = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else {
            throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
