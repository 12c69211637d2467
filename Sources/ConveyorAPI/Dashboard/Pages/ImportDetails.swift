import ConveyorImports

/// An import's progress as its page shows it: a bar of its chunks, its rows, its times and
/// each failed chunk's error. The figures carry their live names (`import.…`).
struct ImportDetails {
    let progress: ImportProgress

    /// The chunks done or failed, in percent of all.
    static func percent(_ progress: ImportProgress) -> Int {
        progress.chunks.total == 0 ? 100 : (progress.chunks.done + progress.chunks.failed) * 100 / progress.chunks.total
    }

    /// The texts of the live figures, by name.
    static func figures(_ progress: ImportProgress) -> [String: String] {
        [
            "import.state": progress.state.rawValue,
            "import.percent": String(percent(progress)),
            "import.chunks": "\(Figures.count(progress.chunks.done)) done, \(Figures.count(progress.chunks.failed)) failed of \(Figures.count(progress.chunks.total))",
            "import.rows": "\(Figures.count(progress.rows.inserted)) inserted, \(Figures.count(progress.rows.updated)) updated, "
                + "\(Figures.count(progress.rows.skipped)) skipped, \(Figures.count(progress.rows.failed)) failed of \(Figures.count(progress.rows.total))",
            "import.rate": progress.rowsPerSecond.map { "\(Figures.count($0)) rows/s" } ?? "—",
            "import.finished_at": progress.finishedAt ?? "—",
        ]
    }

    var html: HTML {
        let figures = Self.figures(progress)
        func live(_ name: String) -> HTML { "<span data-live=\"\(name)\">\(figures[name] ?? "")</span>" }
        let errors = progress.errors.map { error -> HTML in
            "<tr><td class=\"number\">\(error.chunk)</td><td class=\"number\">\(error.line.map(String.init) ?? "—")</td><td class=\"error\">\(error.message)</td><td>\(error.failedAt)</td></tr>"
        }
        let errorTable: HTML =
            errors.isEmpty
            ? "<p class=\"empty\">No chunk has failed.</p>"
            : "<table><thead><tr><th>Chunk</th><th>Line</th><th>Error</th><th>Failed</th></tr></thead><tbody>\(errors)</tbody></table>"
        return """
            <section class="live-source" data-events="/ui/events?import=\(progress.id)">\
            <p><progress class="progress" max="100" value="\(Self.percent(progress))" data-live="import.percent">\(Self.percent(progress)) %</progress> \
            <span data-live="import.percent">\(Self.percent(progress))</span> % · <span class="state-\(progress.state.rawValue)" data-live="import.state">\(progress.state.rawValue)</span></p>\
            <table class="fields"><tr><th>Id</th><td><code>\(progress.id)</code></td></tr><tr><th>Dataset</th><td>\(progress.dataset)</td></tr>\
            <tr><th>Tenant</th><td>\(progress.tenant)</td></tr><tr><th>Chunks</th><td>\(live("import.chunks"))</td></tr>\
            <tr><th>Rows</th><td>\(live("import.rows"))</td></tr><tr><th>Rate</th><td>\(live("import.rate"))</td></tr>\
            <tr><th>On conflict</th><td>\(progress.onConflict.rawValue)</td></tr><tr><th>Accepted</th><td>\(progress.acceptedAt)</td></tr>\
            <tr><th>Started</th><td>\(progress.startedAt ?? "—")</td></tr><tr><th>Finished</th><td>\(live("import.finished_at"))</td></tr>\
            <tr><th>Request id</th><td><code>\(progress.requestID)</code></td></tr></table></section>\
            <h2>Failed chunks</h2>\(errorTable)<p class="hint">The first \(ImportProgress.errorLimit) failed chunks are listed; \
            each one's job is in the dead set, where retrying it loads the chunk again.</p>
            """
    }
}
