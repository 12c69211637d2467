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

    let path: String
    let contents: [UInt8]
    let registry: JobRegistry

    /// Each directive's value and line, as read.
    private var values: [String: (value: String, line: Int)] = [:]

    init(path: String, contents: [UInt8], registry: JobRegistry) {
        self.path = path
        self.contents = contents
        self.registry = registry
    }

    func parse() throws(CatalogueFileError) -> Schedule {
        var parser = self
        return try parser.read()
    }

    private static let directives = ["cron", "timezone", "kind", "payload", "queue", "tenant", "missed", "enabled"]

    private mutating func read() throws(CatalogueFileError) -> Schedule {
        let name = try scheduleName()
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw error(nil, "the file is not valid UTF-8")
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let directive = String(line.prefix { !$0.isWhitespace })
            let value = line.dropFirst(directive.count).trimmingCharacters(in: .whitespaces)
            guard Self.directives.contains(directive) else {
                throw error(index + 1, "unknown directive '\(directive)'; a line starts with \(Self.directives.joined(separator: ", "))")
            }
            if let earlier = values[directive] {
                throw error(index + 1, "a second '\(directive)' line (the first is line \(earlier.line))")
            }
            guard !value.isEmpty else { throw error(index + 1, "'\(directive)' needs a value") }
            values[directive] = (value, index + 1)
        }
        return try schedule(named: name)
    }

    private func scheduleName() throws(CatalogueFileError) -> String {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        guard fileName.hasSuffix(Self.fileExtension) else {
            throw error(nil, "a schedule file's name must end in \(Self.fileExtension)")
        }
        let name = String(fileName.dropLast(Self.fileExtension.count))
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        let isAllowed = name.utf8.allSatisfy {
            isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
        guard (1...63).contains(name.utf8.count), name.utf8.first.map(isLetter) == true, isAllowed else {
            throw error(nil, "'\(name)' cannot name a schedule: use 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter")
        }
        return name
    }

    private func schedule(named name: String) throws(CatalogueFileError) -> Schedule {
        guard let cronLine = values["cron"] else { throw error(nil, "no 'cron' line; add one such as 'cron 30 2 * * *'") }
        guard let kindLine = values["kind"] else { throw error(nil, "no 'kind' line; add one naming the job kind to enqueue") }
        guard let missedLine = values["missed"] else {
            throw error(nil, "no 'missed' line; add 'missed run_once' or 'missed skip' to say what a tick missed while no scheduler ran does")
        }

        var timeZone = TimeZone(identifier: "UTC")!
        if let zone = values["timezone"] {
            guard let named = TimeZone(identifier: zone.value) else {
                throw error(zone.line, "unknown time zone '\(zone.value)'; use an IANA name such as UTC, Europe/Paris or America/New_York")
            }
            timeZone = named
        }
        let cron: CronSchedule
        do {
            cron = try CronSchedule(cronLine.value, timeZone: timeZone)
        } catch {
            throw self.error(cronLine.line, error.message)
        }

        let payload = values["payload"]
        let payloadText = payload?.value ?? "{}"
        guard (try? JSONSerialization.jsonObject(with: Data(payloadText.utf8))) is [String: Any] else {
            throw error(payload?.line, "the payload must be a JSON object on one line, e.g. {\"ms\": 10}")
        }
        let options: JobKindOptions
        do {
            options = try registry.validate(kind: kindLine.value, payload: payloadText)
        } catch {
            // An unknown kind is the kind line's fault; a payload the kind refuses, the payload line's.
            let line = registry.kind(named: kindLine.value) == nil ? kindLine.line : payload?.line ?? kindLine.line
            throw self.error(line, "\(error)")
        }

        var queue = options.queue
        if let queueLine = values["queue"] {
            do {
                queue = try QueueName(queueLine.value)
            } catch {
                throw self.error(queueLine.line, "\(error)")
            }
        }
        guard let missedTicks = MissedTickPolicy(rawValue: missedLine.value) else {
            throw error(missedLine.line, "'missed' must be run_once or skip, not '\(missedLine.value)'")
        }
        var isEnabled = true
        if let enabled = values["enabled"] {
            switch enabled.value {
            case "yes": isEnabled = true
            case "no": isEnabled = false
            default: throw error(enabled.line, "'enabled' must be yes or no, not '\(enabled.value)'")
            }
        }
        let tenant = values["tenant"]
        if let tenant, tenant.value.contains(where: \.isWhitespace) {
            throw error(tenant.line, "a tenant is one word, without spaces")
        }
        return Schedule(
            name: name, cron: cron, kind: kindLine.value, payload: payloadText, queue: queue, tenant: tenant?.value ?? "",
            maxAttempts: options.maxAttempts, timeout: options.timeout, missedTicks: missedTicks, isEnabled: isEnabled
        )
    }

    private func error(_ line: Int?, _ message: String) -> CatalogueFileError {
        CatalogueFileError(file: path, line: line, message: message)
    }
}
