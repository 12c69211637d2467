import ConveyorPostgres
import ConveyorQueue
import Foundation

/// A `conveyor_outbox` row's lock columns, `unique_scope`, `unique_fields` and
/// `unique_period_ms` (see `Migrations/0017_outbox_job_options.sql`), read as `POST /v1/jobs`
/// reads its `unique` member.
struct OutboxUniqueColumns: Equatable {
    var scope: String?
    var fields: [String]?
    var periodMilliseconds: Int64?

    init(scope: String? = nil, fields: [String]? = nil, periodMilliseconds: Int64? = nil) {
        self.scope = scope
        self.fields = fields
        self.periodMilliseconds = periodMilliseconds
    }

    /// The columns of `row`, which selects `unique_fields` as JSON text.
    init(_ row: PostgresRow) throws {
        scope = try row.decode("unique_scope", as: String?.self)
        fields = try row.decode("unique_fields", as: String?.self).map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        periodMilliseconds = try row.decode("unique_period_ms", as: Int64?.self)
    }

    /// What makes the row's job unique, given the lock its kind declares: the kind's when the
    /// columns are NULL, none for `none`, else the kind's (or until it finishes, on the whole
    /// payload) with what the columns set.
    /// - Throws: ``ApplicationOutbox/RowFault`` when the columns ask for no lock there is.
    func lock(declared: UniqueJobs?) throws(ApplicationOutbox.RowFault) -> UniqueJobs? {
        var unique = declared ?? UniqueJobs()
        switch (scope, periodMilliseconds) {
        case ("none", nil) where fields == nil:
            return nil
        case (nil, nil):
            guard fields != nil else { return declared }
        case ("until_started", nil):
            unique.scope = .untilStarted
        case ("until_finished", nil):
            unique.scope = .untilFinished
        case ("period", let period?) where UniqueJobs.periodMilliseconds.contains(Int(period)):
            unique.scope = .period(.milliseconds(period))
        default:
            throw ApplicationOutbox.RowFault(
                description: "unique_scope \(scope.map { "'\($0)'" } ?? "NULL") with unique_period_ms \(periodMilliseconds.map(String.init) ?? "NULL")"
                    + (fields == nil ? "" : " and unique_fields")
                    + ": give 'until_started' or 'until_finished', or 'period' with a unique_period_ms from 1 to \(UniqueJobs.periodMilliseconds.upperBound), or 'none' alone"
            )
        }
        if let fields {
            guard !fields.isEmpty, UniqueJobs.areValid(fields: fields) else {
                throw ApplicationOutbox.RowFault(
                    description: "unique_fields must name 1 to \(UniqueJobs.maxFields) payload fields of \(UniqueJobs.fieldNameBytes.lowerBound) to \(UniqueJobs.fieldNameBytes.upperBound) bytes each, not \(fields.count) fields \(fields.prefix(4))"
                )
            }
            unique.fields = fields
        }
        return unique
    }
}
