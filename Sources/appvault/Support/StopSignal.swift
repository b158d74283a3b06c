import Glibc
import MailConnectors

/// SIGINT and SIGTERM for a command that runs until stopped (`fetch --follow`): the first one
/// sets ``flag``, which the command polls (IDLE checks it four times a second) before ending
/// cleanly; a second one ends the process at once (exit 130).
///
/// The handler only touches the flag (a lock-free atomic, created before the handler is
/// installed) and calls `_exit`: both are safe in a signal handler.
enum StopSignal {
    /// Set when SIGINT or SIGTERM arrived.
    static let flag = CancellationFlag()

    /// Installs the handlers.
    static func install() {
        _ = flag.isSet
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                if StopSignal.flag.isSet { _exit(130) }
                StopSignal.flag.set()
            }
            sigaddset(&unblock, number)
        }
        // A parent may have started this process with the signals blocked (the mask is inherited).
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Whether a stop was asked for.
    static var requested: Bool { flag.isSet }

    /// Sleeps up to `duration`, waking early when a stop is asked for.
    static func sleep(_ duration: Duration) {
        let end = ContinuousClock.now + duration
        while !requested, ContinuousClock.now < end {
            usleep(100_000)
        }
    }
}
