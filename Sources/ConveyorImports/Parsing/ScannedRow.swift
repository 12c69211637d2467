/// One row as a scanner found it: its line, its fields by dataset column, and the problems
/// found while scanning (unknown or repeated fields, a wrong number of CSV fields, broken JSON).
/// Reused from row to row, so scanning allocates nothing per row.
struct ScannedRow {
    /// The line on which the row starts.
    var line = 0
    /// By the index of the dataset's column.
    var fields: [FieldSlot]
    var problems: [RowProblem] = []
    /// The row could not be read at all (e.g. broken JSON on an NDJSON line): its fields are not checked.
    var isUnreadable = false

    init(columnCount: Int) {
        fields = Array(repeating: .absent, count: columnCount)
    }

    /// Clears the row for the next one, which starts on `line`.
    mutating func reset(line: Int) {
        self.line = line
        for index in fields.indices { fields[index] = .absent }
        if !problems.isEmpty { problems.removeAll(keepingCapacity: true) }
        isUnreadable = false
    }

    mutating func addProblem(field: String?, _ message: String) {
        problems.append(RowProblem(line: line, field: field, message: message))
    }

    /// Records that the row is unreadable, with why.
    mutating func markUnreadable(_ message: String) {
        isUnreadable = true
        addProblem(field: nil, message)
    }
}
