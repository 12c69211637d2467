import ConveyorExports

/// A page of exports, the most recently requested first: each one's export, format, tenant,
/// state, rows and request time, a link to its page, and one that downloads a finished file.
struct ExportList {
    let records: [ExportRecord]

    var html: HTML {
        guard !records.isEmpty else { return "<p class=\"empty\">No export.</p>" }
        let rows = records.map { record -> HTML in
            let download: HTML =
                record.fileURL != nil ? "<a href=\"/ui/exports/\(record.id)/file\" download>\(record.downloadName)</a>" : "—"
            return """
                <tr><td><a href="/ui/exports/\(record.id)"><code>\(record.id)</code></a></td><td>\(record.export)</td><td>\(record.format.rawValue)</td>\
                <td>\(record.tenant)</td><td class="state-\(record.state.rawValue)">\(record.state.rawValue)</td>\
                <td class="number">\(record.rows.map(Figures.count) ?? "—")</td><td>\(Figures.time(record.requestedAt))</td><td>\(download)</td></tr>
                """
        }
        return """
            <table class="exports"><thead><tr><th>Export</th><th>Name</th><th>Format</th><th>Tenant</th><th>State</th><th>Rows</th>\
            <th>Requested</th><th>File</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
