import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of this API, open to all.
struct OpenAPIController {
    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get("openapi.json", use: document)
        return routes
    }

    @Sendable func document(_ request: Request, context: APIRequestContext) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .contentLength: String(OpenAPIDocument.bytes.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes))
        )
    }
}
