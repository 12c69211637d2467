/// Who is looking at a dashboard page: the key of the session and the token its forms carry.
struct DashboardVisitor: Sendable {
    let key: APIKey
    let session: DashboardSession
    /// The CSRF token every form of the session's pages carries.
    let csrfToken: String

    var isAdmin: Bool { key.role == .admin }

    /// Lets an admin through; a producer gets the 403 page.
    func requireAdmin(_ what: String) throws(DashboardError) {
        guard isAdmin else {
            throw DashboardError.forbidden("\(what) needs an admin key; key '\(key.name)' is a producer key of tenant '\(key.tenant)'")
        }
    }
}
