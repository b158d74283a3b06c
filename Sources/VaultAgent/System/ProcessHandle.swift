internal import Glibc

/// A handle on one process that outlives its pid (Linux `pidfd_open`, kernel 5.3+): while the
/// handle says the process is alive, its pid cannot have been recycled for another process.
///
/// `syscall` is variadic in C, which Swift cannot call; its kernel interface takes word-sized
/// integers, so it is looked up once and called through a fixed signature (glibc implements it
/// in assembly that reads integer arguments from the same registers).
struct ProcessHandle: ~Copyable {
    private typealias SyscallFunction = @convention(c) (Int, Int, Int, Int, Int) -> Int
    private static let syscall: SyscallFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syscall") else { return nil }
        return unsafeBitCast(symbol, to: SyscallFunction.self)
    }()
    private static let pidfdOpen = 434         // SYS_pidfd_open (x86-64 and the generic table)
    private static let pidfdSendSignal = 424   // SYS_pidfd_send_signal

    private let fd: Int32

    /// A handle on process `pid`, or nil when it has already exited or pidfds are unavailable.
    init?(pid: Int32) {
        guard let syscall = Self.syscall else { return nil }
        let result = syscall(Self.pidfdOpen, Int(pid), 0, 0, 0)
        guard result >= 0 else { return nil }
        fd = Int32(result)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    deinit { Glibc.close(fd) }

    /// Whether the process is still running (signal 0 through the handle).
    var isAlive: Bool {
        guard let syscall = Self.syscall else { return false }
        return syscall(Self.pidfdSendSignal, Int(fd), 0, 0, 0) == 0
    }
}
