import FuzzSupport
import Glibc
import MailConnectors

/// Arbitrary server bytes through the SMTP reply parser.
@_cdecl("LLVMFuzzerTestOneInput")
func smtpRepliesInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.smtpReplies(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: smtpRepliesInput))
