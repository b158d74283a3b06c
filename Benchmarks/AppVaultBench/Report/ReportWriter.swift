import Foundation

/// Renders the tables as aligned text for the terminal and as Markdown for docs/benchmarks.md.
enum ReportWriter {
    static func text(_ table: Table) -> String {
        let all = [table.columns] + table.rows
        let widths = table.columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        var out = "\n== \(table.title)\n   baseline: \(table.baseline)\n"
        out += line(table.columns) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        out += table.rows.map(line).joined(separator: "\n") + "\n"
        out += table.notes.map { "   * " + $0 }.joined(separator: "\n")
        return out + "\n"
    }

    static func markdown(_ tables: [Table], machine: MachineInfo, command: String, elapsed: Double) -> String {
        var out = """
            # appvault benchmarks

            Written by `\(command)`; every figure below was measured in the run described here and
            every ratio divides by a baseline measured in that same run. Nothing is copied from
            earlier runs. Re-run `make bench` to refresh this page.

            | | |
            |---|---|
            | date | \(machine.date) |
            | CPU | \(machine.cpuModel) |
            | cores | \(machine.cores) |
            | memory | \(machine.memory) |
            | kernel | \(machine.kernel) |
            | run time | \(String(format: "%.0f s", elapsed)) |

            """
        for table in tables {
            out += "\n## \(table.title)\n\nBaseline: \(table.baseline)\n\n"
            out += "| " + table.columns.joined(separator: " | ") + " |\n"
            out += "|" + table.columns.map { _ in "---" }.joined(separator: "|") + "|\n"
            for row in table.rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
            if !table.notes.isEmpty { out += "\n" + table.notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        }
        return out
    }

    private static func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
}
