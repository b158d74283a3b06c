import FuzzSupport
import Glibc
import VaultAgent

/// Every byte string must decode to a request or a ProtocolError, never a trap; the same for replies.
@_cdecl("LLVMFuzzerTestOneInput")
func agentCodecInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? RequestCodec.decode(frame: bytes)
    _ = try? ResponseCodec.decode(frame: bytes)
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: agentCodecInput))
