/// Finds rows in an import body, one at a time, in bytes that arrive in pieces.
///
/// The driver hands the scanner the unread bytes; the scanner reads one row (or a separator,
/// or a blank line) from `position` and says where it ended. When the bytes end inside a row,
/// it answers ``ScanStep/needMore`` having changed none of its state, and is asked again from
/// the same position once more bytes have arrived: a row split across pieces is read whole.
protocol RowScanner {
    /// The line at the scanner's position (the next row's line, or a blank line's).
    var line: Int { get }

    /// Reads what starts at `position`.
    ///
    /// - Parameter isEnd: no more bytes will come, so running out of bytes ends the body.
    /// - Throws: ``BodyRejected`` when the body cannot be read further (broken JSON in an
    ///   array, a CSV quote never closed, a header naming unknown fields).
    mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, isEnd: Bool, into row: inout ScannedRow
    ) throws(BodyRejected) -> ScanStep
}

/// What a scanner found.
enum ScanStep: Equatable {
    /// A row, now in the `ScannedRow`, ending just before `end`.
    case row(end: Int)
    /// Bytes that are not a row (a separator, a header, a blank line), up to `end`.
    case skipped(end: Int)
    /// The bytes end inside a row: call again from the same position with more.
    case needMore
    /// The body is complete.
    case finished
}

/// A body that cannot be read further.
struct BodyRejected: Error {
    /// `.malformedBody` for syntax, `.invalidRows` for a CSV header that cannot be mapped to the dataset.
    let kind: ImportError.Kind
    let problems: [RowProblem]

    static func malformed(line: Int, _ message: String) -> BodyRejected {
        BodyRejected(kind: .malformedBody, problems: [RowProblem(line: line, field: nil, message: message)])
    }
}
