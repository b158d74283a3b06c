import AppVault
import Foundation
import Testing

@Suite("Exit statuses are documented from one table")
struct ExitStatusDocsTests {
    @Test("docs/cli.md lists every exit status as ExitStatus says")
    func cliReferenceMatches() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/cli.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let start = try #require(text.range(of: "## Exit codes\n")).upperBound
        let section = text[start...].components(separatedBy: "\n## ").first ?? ""
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| code") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        let documented = rows.map { "\($0[0]) \($0[1])" }
        let expected = ExitStatus.allCases.map { "\($0.rawValue) \($0.meaning)" }
        #expect(documented == expected)
    }
}
