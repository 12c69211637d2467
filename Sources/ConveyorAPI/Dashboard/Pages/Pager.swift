/// The links between the pages of a list read by offset, a page of ``DashboardJobs/pageSize``
/// rows at a time: the newer rows before, the older after.
enum Pager {
    /// The links of the page at `offset` of the list at `base` (its address and query, to
    /// which the offset is added); `hasMore` when older rows follow.
    static func links(_ base: String, offset: Int, hasMore: Bool) -> HTML {
        let separator = base.hasSuffix("?") ? "" : "&"
        let newer: HTML = offset > 0 ? "<a href=\"\(base)\(separator)offset=\(max(0, offset - DashboardJobs.pageSize))\">Newer</a>" : .empty
        let older: HTML = hasMore ? "<a href=\"\(base)\(separator)offset=\(offset + DashboardJobs.pageSize)\">Older</a>" : .empty
        return "<p class=\"pager\">\(newer) \(older)</p>"
    }
}
