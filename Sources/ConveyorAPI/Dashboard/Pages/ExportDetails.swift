import ConveyorExports
import Foundation

/// An export's record as its page shows it, with the link that downloads its file.
struct ExportDetails {
    let record: ExportRecord

    var html: HTML {
        let download: HTML =
            record.fileURL != nil
            ? "<p><a class=\"button\" href=\"/ui/exports/\(record.id)/file\" download>Download \(record.downloadName)</a></p>"
            : "<p class=\"hint\">\(record.state == .succeeded ? "The file has expired." : "The file can be downloaded once the export has succeeded: reload the page.")</p>"
        func row(_ label: String, _ value: String) -> HTML { "<tr><th>\(label)</th><td>\(value)</td></tr>" }
        return """
            \(download)<table class="fields">\(row("Id", record.id))\(row("Export", record.export))\(row("Format", record.format.rawValue))\
            <tr><th>State</th><td class="state-\(record.state.rawValue)">\(record.state.rawValue)</td></tr>\
            \(row("Tenant", record.tenant))\(row("Rows", record.rows.map(Figures.count) ?? "—"))\(row("Bytes", record.bytes.map(Figures.count) ?? "—"))\
            \(row("SHA-256", record.sha256 ?? "—"))\(row("Requested", Figures.time(record.requestedAt)))\
            \(row("Started", record.startedAt.map(Figures.time) ?? "—"))\(row("Finished", record.finishedAt.map(Figures.time) ?? "—"))\
            \(row("Expires", Figures.time(record.expiresAt)))\(row("Error", record.error ?? "—"))\(row("Job", record.jobID ?? "—"))</table>
            """
    }
}
