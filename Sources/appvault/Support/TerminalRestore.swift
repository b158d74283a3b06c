import Glibc

/// Puts the terminal's echo back when the user presses Ctrl-C (or the process is told to stop)
/// at a passphrase prompt: the default action would end the process with echo still off.
///
/// The saved settings live in static storage written before the handler is installed and
/// read only by it: a signal handler may only call async-signal-safe functions (`tcsetattr`,
/// `write`, `signal`, `raise`), so nothing here allocates or locks.
enum TerminalRestore {
    nonisolated(unsafe) private static var fd: Int32 = -1
    nonisolated(unsafe) private static var saved = termios()
    private static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Restores `settings` on `fd` if one of the signals arrives before ``disarm()``.
    static func arm(fd: Int32, settings: termios) {
        saved = settings
        self.fd = fd
        for number in signals {
            signal(number) { received in
                if TerminalRestore.fd >= 0 {
                    var settings = TerminalRestore.saved
                    _ = tcsetattr(TerminalRestore.fd, TCSANOW, &settings)
                    _ = write(TerminalRestore.fd, "\n", 1)
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// Stops watching: the prompt is over and echo is restored.
    static func disarm() {
        for number in signals { signal(number, SIG_DFL) }
        fd = -1
    }
}
