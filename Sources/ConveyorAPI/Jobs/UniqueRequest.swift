import ConveyorQueue
import ConveyorWorker

/// A job request's `unique` member: `true` (the kind's uniqueness, or the whole payload until
/// the job finishes), `false` (none, whatever the kind declares), or an object naming any of
/// `fields` (the payload's top-level fields that make two jobs the same), `scope`
/// (`until_started`, `until_finished` or `period`) and `period_ms`. Absent, the kind's.
enum UniqueRequest {
    static let scopes = ["until_started", "until_finished", "period"]

    /// The uniqueness `field` asks for, given the kind's `declared`; nil for none. Each bad
    /// part is added to `issues`.
    static func read(_ field: JSONField?, declared: UniqueJobs?, issues: inout [ProblemIssue]) -> UniqueJobs? {
        guard let value = field?.present else { return declared }
        switch value.kind {
        case .bool:
            return value.number == 1 ? declared ?? UniqueJobs() : nil
        case .object:
            return object(value, declared: declared, issues: &issues)
        default:
            issues.append(ProblemIssue(field: "unique", message: "must be true, false or an object such as {\"fields\": [\"user_id\"], \"scope\": \"until_finished\"}, not \(value.description)"))
            return nil
        }
    }

    private static func object(_ value: JSONField, declared: UniqueJobs?, issues: inout [ProblemIssue]) -> UniqueJobs? {
        let members = value.members ?? value.json.withUnsafeBytes { bytes in (try? JSONScanner.parse(bytes, openLevels: 2))?.members } ?? []
        var unique = declared ?? UniqueJobs()
        var scopeName: String?
        var period: Int?
        let issuesBefore = issues.count
        for (name, member) in members {
            switch name {
            case "fields":
                guard let elements = member.elements, elements.allSatisfy({ $0.kind == .string }),
                    UniqueJobs.areValid(fields: elements.compactMap(\.string))
                else {
                    issues.append(ProblemIssue(field: "unique.fields", message: "must be an array of at most \(UniqueJobs.maxFields) field names (strings of \(UniqueJobs.fieldNameBytes.lowerBound) to \(UniqueJobs.fieldNameBytes.upperBound) bytes), not \(member.description)"))
                    continue
                }
                unique.fields = elements.compactMap(\.string)
            case "scope":
                guard member.kind == .string, let text = member.string, scopes.contains(text) else {
                    issues.append(ProblemIssue(field: "unique.scope", message: "must be one of \(scopes.joined(separator: ", ")), not \(member.description)"))
                    continue
                }
                scopeName = text
            case "period_ms":
                guard member.kind == .number, let number = member.number, number.rounded() == number,
                    Double(UniqueJobs.periodMilliseconds.lowerBound) <= number, number <= Double(UniqueJobs.periodMilliseconds.upperBound)
                else {
                    issues.append(ProblemIssue(field: "unique.period_ms", message: "must be a whole number of milliseconds from 1 to \(UniqueJobs.periodMilliseconds.upperBound), not \(member.description)"))
                    continue
                }
                period = Int(number)
            default:
                issues.append(ProblemIssue(field: "unique.\(name.prefix(64))", message: "unknown field; unique has fields, scope and period_ms"))
            }
        }
        switch (scopeName, period) {
        case ("until_started", nil): unique.scope = .untilStarted
        case ("until_finished", nil): unique.scope = .untilFinished
        case ("period", let period?), (nil, let period?): unique.scope = .period(.milliseconds(period))
        case ("period", nil): issues.append(ProblemIssue(field: "unique.period_ms", message: "is required with scope period: how long the lock holds"))
        case (_?, _?): issues.append(ProblemIssue(field: "unique.period_ms", message: "goes with scope period only"))
        case (nil, nil), (_?, nil): break
        }
        return issues.count == issuesBefore ? unique : nil
    }
}
