import ConveyorImports

/// A page of imports, the newest first: each one's dataset, tenant, state, progress bar, rows
/// and acceptance time, a link to its page.
struct ImportList {
    let imports: [ImportProgress]

    var html: HTML {
        guard !imports.isEmpty else { return "<p class=\"empty\">No import.</p>" }
        let rows = imports.map { progress -> HTML in
            let percent = ImportDetails.percent(progress)
            return """
                <tr><td><a href="/ui/imports/\(progress.id)"><code>\(progress.id)</code></a></td><td>\(progress.dataset)</td><td>\(progress.tenant)</td>\
                <td class="state-\(progress.state.rawValue)">\(progress.state.rawValue)</td>\
                <td><progress class="progress" max="100" value="\(percent)">\(percent) %</progress> \(percent) %</td>\
                <td class="number">\(Figures.count(progress.rows.total))</td><td>\(progress.acceptedAt)</td></tr>
                """
        }
        return """
            <table class="imports"><thead><tr><th>Import</th><th>Dataset</th><th>Tenant</th><th>State</th><th>Chunks done</th>\
            <th>Rows</th><th>Accepted</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
