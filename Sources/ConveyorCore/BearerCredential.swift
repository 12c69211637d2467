/// The token of an `Authorization: Bearer <token>` header, as every endpoint that takes one
/// reads it: the API's keys, the metrics token of the API and of the workers' and
/// schedulers' `/metrics`.
public enum BearerCredential {
    /// The token of a `Bearer` credential (the scheme's case does not matter, RFC 9110 §11.1);
    /// nil for another scheme or an empty token.
    public static func token(in authorization: String) -> Substring? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop { $0 == " " }
        return token.isEmpty ? nil : token
    }
}
