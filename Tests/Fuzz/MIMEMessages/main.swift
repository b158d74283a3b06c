import FuzzSupport
import Glibc
import MailConnectors

/// Arbitrary bytes as a message: header block, MIME parts, RFC 2047 words, RFC 2231
/// parameters, transfer encodings, charsets, file names.
@_cdecl("LLVMFuzzerTestOneInput")
func mimeMessageInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ParserFuzzing.mimeMessage(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: mimeMessageInput))
