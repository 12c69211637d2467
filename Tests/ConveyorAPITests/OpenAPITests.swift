@testable import ConveyorAPI
import ConveyorExports
import ConveyorImports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("The OpenAPI document")
struct OpenAPITests {
    private static func document() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes))
        return try #require(value as? [String: Any])
    }

    /// Every route the router answers (HEAD aside, which GET brings), as `METHOD /path/{param}`.
    private static func routerOperations() throws -> Set<String> {
        let logger = Logger(label: "openapi-test")
        let redis = RedisClient(configuration: try RedisConfiguration(url: APITestApp.closedRedisURL), logger: logger)
        let database = PostgresPool(configuration: try PostgresConfiguration(url: "postgres://nobody@127.0.0.1:1/none"), logger: logger)
        let queue = JobQueue(redis: redis)
        let imports = ImportIntake(catalogue: try JobCatalogue.datasets(), pool: database, queue: queue, queueName: .default, logger: logger)
        let exports = ExportIntake(
            catalogue: try JobCatalogue.exports(), settings: ExportSettings(), files: FolderExportFileStore(path: ExportSettings.defaultFolder),
            pool: database, queue: queue
        )
        let services = APIServices(redis: redis, queue: queue, registry: try JobCatalogue.registry(), database: database, imports: imports, exports: exports)
        let table = buildRoutes(configuration: APITestApp.configuration(), services: services, logger: Logger(label: "openapi-test"))
        var operations = Set<String>()
        for (path, methods) in table.routes {
            let route = HTTPMetricsMiddleware.route(path.description)
            for method in methods where method != .head { operations.insert("\(method.rawValue) \(route)") }
        }
        return operations
    }

    @Test("it names every route of the router, with its method, and no other")
    func everyRoute() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where method != "parameters" { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(documented == (try Self.routerOperations()))
    }

    @Test("every operation documents its errors: 401, 429 and 503 under /v1, 403 on admin routes, and the request id on each answer")
    func everyError() throws {
        let document = try Self.document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for (method, value) in item where method != "parameters" {
                let operation = try #require(value as? [String: Any])
                let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(path)")
                if path.hasPrefix("/v1/") {
                    for status in ["401", "429", "503"] { #expect(responses[status] != nil, "\(method) \(path) lacks \(status)") }
                }
                if (operation["summary"] as? String)?.hasSuffix("(admin)") == true {
                    #expect(responses["403"] != nil, "\(method) \(path) lacks 403")
                }
                let success = try #require(responses.first { $0.key.hasPrefix("2") }?.value as? [String: Any], "\(method) \(path)")
                #expect((success["headers"] as? [String: Any])?["X-Request-ID"] != nil, "\(method) \(path)")
            }
        }
    }

    @Test("every $ref points at a component that exists")
    func references() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: [String: Any]])
        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in references {
            let parts = reference.split(separator: "/")
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            #expect(components[String(parts[2])]?[String(parts[3])] != nil, "\(reference) does not resolve")
        }
    }

    @Test("GET /openapi.json serves it, open to all")
    func served() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.get("/openapi.json", as: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(Array(response.body.readableBytesView) == OpenAPIDocument.bytes)
            #expect(try response.json["openapi"] as? String == "3.1.0")
        }
    }
}
