import Foundation

/// The signature libFuzzer calls for each input.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if APPVAULT_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: FuzzTarget) -> CInt
#endif

/// Runs a fuzz target: under libFuzzer when built with `-sanitize=fuzzer -DAPPVAULT_LIBFUZZER`
/// (scripts/fuzz.sh), otherwise by replaying every file or folder named on the command line
/// (the seed corpus), so an ordinary build links and `make test` replays the corpus.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, target: FuzzTarget
) -> CInt {
    #if APPVAULT_LIBFUZZER
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, target)
    #else
    var replayed = 0
    for index in 1..<Int(argc) {
        let path = String(cString: argv![index]!)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
        let files = isFolder.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
            : [path]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            _ = data.withUnsafeBytes { target($0.bindMemory(to: UInt8.self).baseAddress, data.count) }
            replayed += 1
        }
    }
    print("replayed \(replayed) inputs without a crash")
    return 0
    #endif
}
