import Glibc

/// `accept4(2)` with `SOCK_CLOEXEC`. The Glibc module does not declare it (it needs
/// `_GNU_SOURCE`), but the tests must have it: they start client programs from many threads at
/// once, and a plain `accept` followed by `fcntl` would let an accepted socket leak into a child
/// started in between, keeping the connection open after the proxy closed it.
@_silgen_name("accept4")
private func systemAccept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?,
                           _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// Accepts a connection on `listener`, close-on-exec from the start.
func acceptCloseOnExec(_ listener: Int32) -> Int32 {
    systemAccept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
}
