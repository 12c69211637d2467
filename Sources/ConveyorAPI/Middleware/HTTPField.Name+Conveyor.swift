import HTTPTypes

extension HTTPField.Name {
    /// The request's id, echoed or generated; see ``RequestIDMiddleware``.
    static let requestID = HTTPField.Name("X-Request-ID")!
    /// How long the API took to answer; see ``ResponseTimeMiddleware``.
    static let responseTime = HTTPField.Name("X-Response-Time")!
}
