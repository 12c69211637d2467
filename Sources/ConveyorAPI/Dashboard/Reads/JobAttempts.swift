import ConveyorCore
import ConveyorPostgres
import ConveyorQueue
import Foundation

/// The attempts of one job as the workers' history (`conveyor_job_history`) has them: each
/// attempt's outcome, the state it left the job in, its wait and run time, and the run's
/// phases (pool wait, database, external calls, Redis). The table is
/// indexed by tenant and time, so the read is bounded by the job's tenant and lifetime.
struct JobAttempts: Sendable {
    var attempts: [HistoryAttempt]

    /// The most attempts shown: a job's `max_attempts` is at most 1,000.
    static let limit = 1000

    static func read(of job: JobRecord, from database: PostgresPool) async throws -> JobAttempts {
        let since = job.createdAt.date.addingTimeInterval(-60)
        let until = Date().addingTimeInterval(60)
        let result = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT \(HistoryAttempt.columns) FROM conveyor_job_history
                WHERE tenant = $1 AND finished_at BETWEEN $2 AND $3 AND job_id = $4
                ORDER BY finished_at, attempt LIMIT \(limit)
                """,
                [job.tenant, since, until, job.id.description]
            )
        }
        return JobAttempts(attempts: try result.rows.map(HistoryAttempt.init(row:)))
    }

    var html: HTML {
        guard !attempts.isEmpty else {
            return "<p class=\"empty\">No attempt has been recorded yet: workers write the history once a second.</p>"
        }
        let longest = max(attempts.map { $0.waitMilliseconds + $0.runMilliseconds }.max() ?? 1, 0.001)
        let rows = attempts.map { attempt -> HTML in
            let phases = attempt.phases
            func cell(_ phase: String, _ milliseconds: Double?) -> HTML {
                "<td class=\"number\" data-phase=\"\(phase)\">\(milliseconds.map(Figures.duration(milliseconds:)) ?? "—")</td>"
            }
            let wait = attempt.waitMilliseconds / longest * 100
            let run = attempt.runMilliseconds / longest * 100
            return """
                <tr class="attempt"><td class="number">\(attempt.attempt)</td><td class="outcome-\(attempt.outcome)">\(attempt.outcome)</td>\
                <td>\(attempt.state)</td>\(cell("wait", attempt.waitMilliseconds))\(cell("run", attempt.runMilliseconds))\
                \(cell("pool-wait", phases?.databasePoolWait))\(cell("db", phases?.database))\(cell("external", phases?.external))\
                \(cell("redis", phases?.redis))\
                <td><svg class="phases" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="wait and run">\
                <rect class="wait" x="0" y="0" width="\(Self.number(wait))" height="6"></rect>\
                <rect class="run" x="\(Self.number(wait))" y="0" width="\(Self.number(run))" height="6"></rect></svg></td>\
                <td>\(Figures.time(attempt.finishedAt))</td></tr>
                """
        }
        return """
            <table class="attempts"><thead><tr><th>Attempt</th><th>Outcome</th><th>Then</th><th>Wait</th><th>Run</th>\
            <th>Pool wait</th><th>Database</th><th>External</th><th>Redis</th><th>Wait · run</th>\
            <th>Finished</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.2f", value.isFinite ? value : 0)
    }
}
