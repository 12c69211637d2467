import ConveyorCore
import ConveyorQueue
import ConveyorWorker
import Foundation

/// Reads one schedule file: plain text, one directive per line, a line starting with `#`
/// a comment.
///
/// ```
/// # jobs/schedules/nightly-report.schedule
/// cron      30 2 * * *
/// timezone  Europe/Paris
/// kind      export
/// payload   {"export": "inventory", "format": "csv"}
/// queue     default
/// tenant    acme
/// missed    run_once
/// enabled   yes
/// ```
///
/// `cron` is the expression (``CronExpression``), `timezone` an IANA zone (default UTC),
/// `kind` and `payload` the job (the payload checked against the kind; default `{}`),
/// `queue` where it goes (default: the kind's queue), `tenant` whom it belongs to,
/// `missed` what to do about a tick missed while no scheduler ran (`run_once` or `skip`),
/// and `enabled no` keeps a schedule loaded and checked but silent. The schedule is named
/// after the file.
struct ScheduleFileParser {
    static let fileExtension = ".schedule"

    private let file: CatalogueFile
    private let registry: JobRegistry

    /// Each directive's value and line, as read.
    private var values: [String: (value: String, line: Int)] = [:]

    private static let directives = ["cron", "timezone", "kind", "payload", "queue", "tenant", "missed", "enabled"]

    /// The schedule `contents` describe, named after the file at `path`, its job checked against `registry`.
    static func parse(path: String, contents: [UInt8], registry: JobRegistry) throws(CatalogueFileError) -> Schedule {
        let file = try CatalogueFile(path: path, contents: contents, fileExtension: fileExtension, fileName: "a schedule file's name")
        try file.requireValidName(for: "a schedule")
        var parser = ScheduleFileParser(file: file, registry: registry)
        for line in try file.directiveLines(comments: .hashLines, blank: .scalars(.whitespacesAndNewlines)) {
            let (directive, value) = line.directive(argumentTrimmedOf: .scalars(.whitespaces))
            try parser.read(directive: String(directive), value: String(value), line: line.number)
        }
        return try parser.schedule(named: file.name)
    }

    private mutating func read(directive: String, value: String, line: Int) throws(CatalogueFileError) {
        guard Self.directives.contains(directive) else {
            throw file.error(line, "unknown directive '\(directive)'; a line starts with \(Self.directives.joined(separator: ", "))")
        }
        if let earlier = values[directive] {
            throw file.error(line, "a second '\(directive)' line (the first is line \(earlier.line))")
        }
        guard !value.isEmpty else { throw file.error(line, "'\(directive)' needs a value") }
        values[directive] = (value, line)
    }

    private func schedule(named name: String) throws(CatalogueFileError) -> Schedule {
        guard let cronLine = values["cron"] else { throw file.error(nil, "no 'cron' line; add one such as 'cron 30 2 * * *'") }
        guard let kindLine = values["kind"] else { throw file.error(nil, "no 'kind' line; add one naming the job kind to enqueue") }
        guard let missedLine = values["missed"] else {
            throw file.error(nil, "no 'missed' line; add 'missed run_once' or 'missed skip' to say what a tick missed while no scheduler ran does")
        }

        var timeZone = TimeZone(identifier: "UTC")!
        if let zone = values["timezone"] {
            guard let named = TimeZone(identifier: zone.value) else {
                throw file.error(zone.line, "unknown time zone '\(zone.value)'; use an IANA name such as UTC, Europe/Paris or America/New_York")
            }
            timeZone = named
        }
        let cron: CronSchedule
        do {
            cron = try CronSchedule(cronLine.value, timeZone: timeZone)
        } catch {
            throw file.error(cronLine.line, error.message)
        }

        let payload = values["payload"]
        let payloadText = payload?.value ?? "{}"
        guard (try? JSONSerialization.jsonObject(with: Data(payloadText.utf8))) is [String: Any] else {
            throw file.error(payload?.line, "the payload must be a JSON object on one line, e.g. {\"ms\": 10}")
        }
        let options: JobKindOptions
        do {
            options = try registry.validate(kind: kindLine.value, payload: payloadText)
        } catch {
            // An unknown kind is the kind line's fault; a payload the kind refuses, the payload line's.
            let line = registry.kind(named: kindLine.value) == nil ? kindLine.line : payload?.line ?? kindLine.line
            throw file.error(line, "\(error)")
        }

        var queue = options.queue
        if let queueLine = values["queue"] {
            do {
                queue = try QueueName(queueLine.value)
            } catch {
                throw file.error(queueLine.line, "\(error)")
            }
        }
        guard let missedTicks = MissedTickPolicy(rawValue: missedLine.value) else {
            throw file.error(missedLine.line, "'missed' must be run_once or skip, not '\(missedLine.value)'")
        }
        var isEnabled = true
        if let enabled = values["enabled"] {
            switch enabled.value {
            case "yes": isEnabled = true
            case "no": isEnabled = false
            default: throw file.error(enabled.line, "'enabled' must be yes or no, not '\(enabled.value)'")
            }
        }
        let tenant = values["tenant"]
        if let tenant, tenant.value.contains(where: \.isWhitespace) {
            throw file.error(tenant.line, "a tenant is one word, without spaces")
        }
        return Schedule(
            name: name, cron: cron, kind: kindLine.value, payload: payloadText, queue: queue, tenant: tenant?.value ?? "",
            maxAttempts: options.maxAttempts, timeout: options.timeout, missedTicks: missedTicks, isEnabled: isEnabled
        )
    }
}
