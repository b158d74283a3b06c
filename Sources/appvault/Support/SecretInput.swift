import AppVault
import Glibc
import VaultCrypto

/// Reads secrets without echo from the terminal, from standard input, or from a file,
/// straight into guarded memory.
enum SecretInput {
    /// The most bytes read from standard input before refusing (1 MiB).
    static let maximumStandardInput = 1 << 20

    /// Prompts on the controlling terminal with echo off.
    static func promptWithoutEcho(_ prompt: String) throws(VaultError) -> SecureBytes {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw .invalidInput("no terminal to ask for the secret: give --passphrase-file (or pipe the app password on standard input)")
        }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { throw .io("cannot read terminal settings") }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        silent.c_lflag |= tcflag_t(ICANON)
        TerminalRestore.arm(fd: fd, settings: saved)
        guard tcsetattr(fd, TCSAFLUSH, &silent) == 0 else {
            TerminalRestore.disarm()
            throw .io("cannot turn terminal echo off")
        }
        // The prompt comes after echo is off, so nothing typed after it is ever shown.
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            TerminalRestore.disarm()
            _ = write(fd, "\n", 1)
        }
        return try readLine(from: fd, limit: 4096)
    }

    /// Prompts twice and insists both answers match (for a new passphrase).
    static func promptNewWithoutEcho(_ prompt: String) throws(VaultError) -> SecureBytes {
        let first = try promptWithoutEcho(prompt)
        let second = try promptWithoutEcho("Repeat to confirm: ")
        guard first.constantTimeEquals(second) else { throw .invalidInput("the two entries differ; nothing was changed") }
        return first
    }

    /// The first line of a passphrase file, without its line break. Like a key file, it must be
    /// a regular file of this user that others cannot read or write.
    static func firstLine(ofPrivateFile path: String) throws(VaultError) -> SecureBytes {
        let contents = try SecretFile.read(path: path, maximumBytes: MasterCredential.maximumPassphraseBytes + 2,
                                           requirePrivate: true)
        let length = contents.withUnsafeBytes { bytes in bytes.firstIndex(of: 0x0A) ?? bytes.count }
        let trimmed = contents.withUnsafeBytes { bytes in length > 0 && bytes[length - 1] == 0x0D ? length - 1 : length }
        do { return try contents.slice(0..<trimmed) } catch { throw .crypto(error.description) }
    }

    /// An app password: from the terminal without echo when standard input is one, else all of
    /// standard input (at most 1 MiB; the vault then checks the length and form).
    static func appPassword(prompt: String) throws(VaultError) -> SecureBytes {
        if isatty(STDIN_FILENO) == 1 { return try promptWithoutEcho(prompt) }
        return try readAll(from: STDIN_FILENO, limit: maximumStandardInput)
    }

    private static func readLine(from fd: Int32, limit: Int) throws(VaultError) -> SecureBytes {
        let all = try readAll(from: fd, limit: limit, stopAtNewline: true)
        return all
    }

    private static func readAll(from fd: Int32, limit: Int, stopAtNewline: Bool = false) throws(VaultError) -> SecureBytes {
        var buffer: SecureBytes
        do { buffer = try SecureBytes(zeroedCount: limit + 1) } catch { throw .crypto(error.description) }
        var total = 0
        reading: while total <= limit {
            let got = buffer.withUnsafeMutableBytes { out in read(fd, out.baseAddress! + total, stopAtNewline ? 1 : out.count - total) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read the secret: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            if stopAtNewline, buffer.withUnsafeBytes({ $0[total] }) == 0x0A { break reading }
            total += got
        }
        guard total <= limit else {
            throw .invalidInput("the secret input is larger than \(limit) bytes; nothing was stored")
        }
        do { return try buffer.slice(0..<total) } catch { throw .crypto(error.description) }
    }
}
