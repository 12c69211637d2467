/// Why a dashboard request is refused; ``DashboardErrorMiddleware`` answers each with a
/// page (or, for the ones about the session, a redirect to sign-in).
enum DashboardError: Error, Sendable {
    /// No session cookie: sign in.
    case signInNeeded
    /// A cookie that is forged, altered, expired, or of a key the API no longer has: the
    /// cookie is cleared and the visitor signs in again.
    case signedOut
    /// The key may not do this (a producer on an admin page or action).
    case forbidden(String)
    /// A form without its CSRF token, or with another session's.
    case csrfMismatch
    /// Nothing to show at this address (or nothing this key may see).
    case notFound(String)
    /// A form or query the dashboard cannot use.
    case badRequest(String)
}
