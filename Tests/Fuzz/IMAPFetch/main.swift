import FuzzSupport
import Glibc
import MailConnectors

/// Arbitrary bytes as the data of a FETCH response (ENVELOPE, BODYSTRUCTURE, body literals),
/// through the streaming parser and the summary and attachment decoders.
@_cdecl("LLVMFuzzerTestOneInput")
func imapFetchInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.fetchData(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: imapFetchInput))
