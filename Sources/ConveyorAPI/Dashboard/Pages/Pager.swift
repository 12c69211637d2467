/// The links between the pages of a list read by offset, a page of ``DashboardJobs/pageSize``
/// rows at a time: by default the newer rows before, the older after.
enum Pager {
    /// The links of the page at `offset` of the list at `base` (its address and query, to
    /// which the offset is added); `hasMore` when more rows follow.
    static func links(_ base: String, offset: Int, hasMore: Bool, labels: (before: String, after: String) = ("Newer", "Older")) -> HTML {
        let separator = base.hasSuffix("?") ? "" : "&"
        let before: HTML = offset > 0 ? "<a href=\"\(base)\(separator)offset=\(max(0, offset - DashboardJobs.pageSize))\">\(labels.before)</a>" : .empty
        let after: HTML = hasMore ? "<a href=\"\(base)\(separator)offset=\(offset + DashboardJobs.pageSize)\">\(labels.after)</a>" : .empty
        return "<p class=\"pager\">\(before) \(after)</p>"
    }
}
