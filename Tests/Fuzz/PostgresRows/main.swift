import FuzzSupport
import Glibc
import PostgresStore

/// Arbitrary result sets (column names, types, cells, NULLs) through the PostgreSQL row decoders.
@_cdecl("LLVMFuzzerTestOneInput")
func postgresRowsInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RowFuzzing.rows(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: postgresRowsInput))
