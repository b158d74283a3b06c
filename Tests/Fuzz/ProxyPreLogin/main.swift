import FuzzSupport
import Glibc
import MailProxy

/// Arbitrary client bytes through the proxy's pre-login dialogues, arbitrary server bytes
/// through its relay framing.
@_cdecl("LLVMFuzzerTestOneInput")
func proxyPreLoginInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    PreLoginFuzzing.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: proxyPreLoginInput))
