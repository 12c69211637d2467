import ArgumentParser
import Foundation

/// Where the HTTP API is and the key to reach it with, for the commands that go through the
/// API rather than to Redis and PostgreSQL (import, export).
struct APIClientOptions: ParsableArguments {
    @Option(name: .customLong("api-url"), help: "The API's base URL, http://host:port or https://host:port (env CONVEYOR_API_URL; default http://127.0.0.1:8080).")
    var apiURL: String?

    @Option(name: .customLong("api-key"), help: "An API key, producer or admin: its tenant owns what the command makes (env CONVEYOR_API_KEY).")
    var apiKey: String?

    /// A client of the API these options name.
    /// - Throws: `ValidationError` naming the flag and the variable of a setting that is
    ///   missing or malformed.
    func client() throws -> APIClient {
        let baseURL = try Setting<String>(flag: "--api-url", variable: "CONVEYOR_API_URL")
            .resolve(apiURL, default: "http://127.0.0.1:8080") { text in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
                    url.query == nil
                else {
                    throw SettingError(description: "'\(text)' is not the API's base URL: give http://host:port or https://host:port")
                }
                return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
            }
        let key = try Setting<String>(flag: "--api-key", variable: "CONVEYOR_API_KEY").resolve(apiKey, default: "") { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw SettingError(description: "no API key: give the secret of a key the API knows (its api-keys file's last column)")
            }
            return trimmed
        }
        return APIClient(baseURL: baseURL, key: key)
    }
}
