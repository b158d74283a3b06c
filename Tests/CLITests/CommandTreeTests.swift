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

    @Test("docs/cli.md lists exactly the exit codes `appvault --help` prints (one table, ExitStatus)")
    func exitCodesDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOfFile: root.appendingPathComponent("docs/cli.md").path, encoding: .utf8)
        let rows = docs.split(separator: "\n").compactMap { line -> (Int, String)? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2, let code = Int(cells[0]) else { return nil }
            return (code, cells[1])
        }
        let help = try CLIRunner().run(["--help"]).stdout
        let section = help.components(separatedBy: "EXIT CODES").last?.components(separatedBy: "\n\n").first ?? ""
        let flat = section.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        let helpCodes = section.split(separator: "\n").compactMap { Int($0.split(separator: " ").first ?? "") }
        #expect(rows.map(\.0) == helpCodes, "the same codes in the same order")
        for (code, meaning) in rows {
            #expect(flat.contains("\(code) \(meaning)"), "\(code) \(meaning)")
        }
    }
}
