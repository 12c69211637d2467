import ConveyorCaches
import ConveyorCore
import ConveyorQueue
import Hummingbird

/// The 200 of `GET /v1/caches/{name}`: the stored value with its age, written straight to
/// JSON (the value is JSON text already), with `Age` and `Cache-Control` saying the same.
struct CachedValueResponse: ResponseGenerator, Sendable {
    let name: String
    let tenant: String
    let entry: CachedEntry

    /// The members in key order, as the API's encoder sorts them elsewhere.
    var json: [UInt8] {
        var writer = JSONWriter(capacity: 192 + entry.json.count)
        writer.member("age_seconds", json: Self.seconds(entry.age).utf8)
        writer.member("computed_at", string: entry.computedAt.description)
        writer.member("expires_at", string: (entry.computedAt + entry.ttl).description)
        writer.member("name", string: name)
        writer.member("tenant", string: tenant)
        writer.member("ttl", integer: entry.ttl.components.seconds)
        writer.member("value", json: entry.json)
        return writer.finished()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(json, status: .ok)
        response.headers[.age] = String(max(entry.age.components.seconds, 0))
        // A client may keep it for as long as the store does; it is the caller's tenant's.
        response.headers[.cacheControl] = "private, max-age=\(entry.remaining.components.seconds)"
        return response
    }

    /// Seconds to the millisecond, e.g. `12.345`; never negative (clocks aside, a value
    /// is not younger than 0).
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = max(duration.microseconds / 1000, 0)
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
