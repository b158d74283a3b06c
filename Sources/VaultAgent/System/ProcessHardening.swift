internal import Glibc

/// Process-wide hardening the agent applies at start.
enum ProcessHardening {
    /// `prctl` is variadic in C, which Swift cannot call; its kernel interface takes five
    /// word-sized integers, so it is looked up once and called through that fixed signature
    /// (on x86-64 and AArch64 Linux a variadic callee reads integer arguments from the same registers).
    private typealias PrctlFunction = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private static let prctl: PrctlFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return nil }
        return unsafeBitCast(symbol, to: PrctlFunction.self)
    }()

    private static let setDumpable: Int32 = 4  // PR_SET_DUMPABLE from <linux/prctl.h>
    private static let getDumpable: Int32 = 3  // PR_GET_DUMPABLE

    /// Forbids core dumps and same-uid `ptrace`/`/proc/PID/mem` access (PR_SET_DUMPABLE 0)
    /// and sets the core size limit to 0.
    static func apply() throws(SystemError) {
        guard let prctl else { throw SystemError("dlsym(prctl)", errno: ENOSYS) }
        guard prctl(setDumpable, 0, 0, 0, 0) == 0 else { throw SystemError("prctl(PR_SET_DUMPABLE)") }
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        guard setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none) == 0 else {
            throw SystemError("setrlimit(RLIMIT_CORE)")
        }
    }

    /// Whether the process may be dumped or traced by its own uid (PR_GET_DUMPABLE).
    static var isDumpable: Bool {
        guard let prctl else { return true }
        return prctl(getDumpable, 0, 0, 0, 0) != 0
    }

    /// How many bytes this process may lock in memory (RLIMIT_MEMLOCK's soft limit). libsodium
    /// locks every guarded allocation but carries on, unlocked, when the limit is reached: keys
    /// and passwords could then be written to swap.
    static var lockableBytes: UInt64 {
        var limit = rlimit()
        guard getrlimit(memoryLockLimit, &limit) == 0 else { return 0 }
        return UInt64(limit.rlim_cur)
    }

    /// RLIMIT_MEMLOCK from <sys/resource.h> (a macro the Glibc module does not bring in).
    private static let memoryLockLimit = __rlimit_resource_t(8)

    /// Below this the vault's keys alone (a guarded page each) and a few sessions' secrets fill
    /// the lockable memory; Debian's default is 8 MiB.
    static let comfortableLockableBytes: UInt64 = 1 << 20
}
