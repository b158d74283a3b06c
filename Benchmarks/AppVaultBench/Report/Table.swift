/// One section of the report: a titled table with the baseline it is compared against.
struct Table {
    var title: String
    /// What the ratio column divides by, measured in the same run.
    var baseline: String
    var columns: [String]
    var rows: [[String]] = []
    /// Remarks under the table: targets, what limits a figure, how it was measured.
    var notes: [String] = []

    mutating func add(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells, table \(columns.count) columns")
        rows.append(row)
    }
}
