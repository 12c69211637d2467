import ConveyorCore
import ConveyorRedis
import ConveyorWorker

/// The overview's charts, from the per-minute attempts that workers keep in Redis
/// (``JobMetricsHistory``): succeeded attempts and failures (failed or timed out) over the
/// last hour, a minute a point, and over the last day, a quarter of an hour a point, in
/// total and per queue and kind.
struct DashboardHistory: Sendable {
    let redis: RedisClient

    static let failures: Set<String> = ["failed", "timed_out"]
    /// Minutes a point of the day's chart: 96 points.
    static let dayStep = 15

    /// The last hour's totals per minute, oldest first: what the live updates send.
    struct Hour: Sendable, Encodable {
        var succeeded: [Int]
        var failures: [Int]
    }

    func hour() async throws -> Hour {
        let now = JobMetricsHistory.minute(of: .localNow)
        let minutes = try await JobMetricsHistory.read((now - 59)...now, from: redis)
        return Self.totals(minutes)
    }

    func charts() async throws -> DashboardCharts {
        let now = JobMetricsHistory.minute(of: .localNow)
        let minutes = try await JobMetricsHistory.read((now - JobMetricsHistory.retainedMinutes + 1)...now, from: redis)
        return DashboardCharts(minutes: minutes)
    }

    static func totals(_ minutes: [JobMetricsHistory.Minute]) -> Hour {
        var hour = Hour(succeeded: [], failures: [])
        for minute in minutes {
            let (succeeded, failed) = split(minute.byQueue.values)
            hour.succeeded.append(succeeded)
            hour.failures.append(failed)
        }
        return hour
    }

    /// Succeeded attempts and failures among counts by outcome.
    static func split(_ outcomes: some Sequence<[String: Int]>) -> (succeeded: Int, failures: Int) {
        outcomes.reduce(into: (0, 0)) { sum, counts in
            for (outcome, count) in counts {
                if outcome == "succeeded" { sum.0 += count } else if failures.contains(outcome) { sum.1 += count }
            }
        }
    }
}

/// The charts and tables of a day's minutes.
struct DashboardCharts {
    let minutes: [JobMetricsHistory.Minute]

    var html: HTML {
        let hour = Array(minutes.suffix(60))
        let hourTotals = DashboardHistory.totals(hour)
        let dayTotals = DashboardHistory.totals(minutes)
        let quarters = stride(from: 0, to: minutes.count, by: DashboardHistory.dayStep).map { start in
            (
                dayTotals.succeeded[start..<min(start + DashboardHistory.dayStep, minutes.count)].reduce(0, +),
                dayTotals.failures[start..<min(start + DashboardHistory.dayStep, minutes.count)].reduce(0, +)
            )
        }
        let hourChart = LineChart(
            name: "hour", series: [.init(name: "succeeded", values: hourTotals.succeeded), .init(name: "failures", values: hourTotals.failures)],
            start: "an hour ago", end: "now"
        )
        let dayChart = LineChart(
            name: nil, series: [.init(name: "succeeded", values: quarters.map(\.0)), .init(name: "failures", values: quarters.map(\.1))],
            start: "a day ago", end: "now"
        )
        return """
            <div class="charts"><figure><figcaption>Attempts a minute, the last hour: <span class="key succeeded">succeeded</span> \
            <span class="key failures">failed or timed out</span></figcaption>\(hourChart.html)</figure>\
            <figure><figcaption>Attempts a quarter of an hour, the last day</figcaption>\(dayChart.html)</figure></div>\
            \(table("Queue", \.byQueue))\(table("Kind", \.byKind))
            """
    }

    /// Per queue or kind: the hour's and the day's succeeded attempts and failures, with
    /// the hour as a sparkline.
    private func table(_ label: String, _ counts: KeyPath<JobMetricsHistory.Minute, [String: [String: Int]]>) -> HTML {
        let names = Set(minutes.flatMap { $0[keyPath: counts].keys }).sorted()
        guard !names.isEmpty else { return "<p class=\"empty\">No attempt in the last day (by \(label.lowercased())).</p>" }
        let hour = minutes.suffix(60)
        let rows = names.map { name -> HTML in
            let perMinute = hour.map { DashboardHistory.split([$0[keyPath: counts][name] ?? [:]]) }
            let day = DashboardHistory.split(minutes.compactMap { $0[keyPath: counts][name] })
            let spark = LineChart(
                name: nil, series: [.init(name: "succeeded", values: perMinute.map(\.succeeded)), .init(name: "failures", values: perMinute.map(\.failures))],
                start: "", end: ""
            )
            return """
                <tr><td>\(name)</td><td>\(spark.sparkline)</td><td class="number">\(Figures.count(perMinute.reduce(0) { $0 + $1.succeeded }))</td>\
                <td class="number">\(Figures.count(perMinute.reduce(0) { $0 + $1.failures }))</td><td class="number">\(Figures.count(day.succeeded))</td>\
                <td class="number">\(Figures.count(day.failures))</td></tr>
                """
        }
        return """
            <table class="history"><thead><tr><th>\(label)</th><th>Last hour</th><th>Succeeded, hour</th><th>Failures, hour</th>\
            <th>Succeeded, day</th><th>Failures, day</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
