import Foundation

/// The dataset's field names as bytes, to find a JSON key's or CSV header's column without
/// making a string of it.
struct FieldNames {
    let dataset: Dataset
    private let names: [[UInt8]]
    private let tenant: [UInt8]
    /// "sku, name, …", for messages about unknown fields.
    let list: String

    init(_ dataset: Dataset) {
        self.dataset = dataset
        names = dataset.columns.map { Array($0.name.utf8) }
        tenant = Array(dataset.tenantColumn.utf8)
        list = dataset.columns.map(\.name).joined(separator: ", ")
    }

    var count: Int { names.count }

    func name(_ column: Int) -> String { dataset.columns[column].name }

    /// The column whose name is `bytes[start..<end]`.
    func column(of bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let length = end - start
        for (column, name) in names.enumerated() where name.count == length {
            let equal = name.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress! + start, length) == 0 }
            if equal { return column }
        }
        return nil
    }

    /// Whether `bytes[start..<end]` is the tenant column's name.
    func isTenant(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start == tenant.count && tenant.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress! + start, tenant.count) == 0 }
    }

    /// Puts `value` into the field named by `bytes[start..<end]`, or records why it cannot go anywhere.
    func assign(_ value: FieldSlot, toFieldNamed bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, in row: inout ScannedRow) {
        if let column = column(of: bytes, start, end) {
            if row.fields[column].form != .absent {
                row.addProblem(field: name(column), "the field appears twice in the row")
            } else {
                row.fields[column] = value
            }
        } else {
            let field = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            row.addProblem(field: field, unknownFieldMessage(isTenant: isTenant(bytes, start, end)))
        }
    }

    /// Why a field that is not one of the dataset's is refused.
    func unknownFieldMessage(isTenant: Bool) -> String {
        isTenant
            ? "the tenant comes from the request, not from the rows: remove this field"
            : "unknown field: rows of '\(dataset.name)' have \(list)"
    }
}
