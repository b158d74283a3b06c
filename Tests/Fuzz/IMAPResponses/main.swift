import FuzzSupport
import Glibc
import MailConnectors

/// Arbitrary server bytes through the IMAP response parser and envelope decoder.
@_cdecl("LLVMFuzzerTestOneInput")
func imapResponsesInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.imapResponses(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: imapResponsesInput))
