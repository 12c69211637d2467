import Foundation
/// Rows under headers in columns padded to their widest cell, as the admin commands print them.
struct TextTable: CustomStringConvertible {
    let headers: [String]
    let rows: [[String]]
    /// What to print instead when there are no rows.
    let empty: String

    var description: String {
        guard !rows.isEmpty else { return empty }
        let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max() ?? 0 }
        return ([headers] + rows).map { row in
            zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        String(reversed().drop { $0 == " " }.reversed())
    }
}
