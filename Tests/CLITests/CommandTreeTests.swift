import Foundation
import Testing
import TestSupport

@Suite("The command tree")
struct CommandTreeTests {
    /// Without an explicit name ArgumentParser derives one with `String(describing:)`, which in a
    /// static binary scans every conformance record: a third of a short command's start-up.
    @Test("every command names itself (start-up cost; docs/performance.md)")
    func everyCommandHasAName() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/appvault")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        var unnamed: [String] = []
        var configurations = 0
        for file in files {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            var rest = Substring(text)
            while let start = rest.range(of: "CommandConfiguration(") {
                let block = rest[start.upperBound...].prefix(200)
                configurations += 1
                if !block.contains("commandName:") { unnamed.append(file) }
                rest = rest[start.upperBound...]
            }
        }
        #expect(configurations >= 20)
        #expect(unnamed.isEmpty, "commands without commandName in: \(unnamed)")
    }
}
