import Hummingbird
import NIOCore

/// `/ui/assets/`: the style sheet and the script, embedded in the binary. They hold
/// nothing of anyone's, so they are served without a session (the sign-in page uses them).
struct DashboardAssets: Sendable {
    private static let files: [String: (type: String, bytes: [UInt8])] = [
        "dashboard.css": ("text/css; charset=utf-8", PackageResources.dashboard_css),
        "dashboard.js": ("text/javascript; charset=utf-8", PackageResources.dashboard_js),
    ]

    func add(to routes: RouterGroup<APIRequestContext>) {
        routes.get("assets/:file", use: serve)
    }

    @Sendable func serve(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let file = context.parameters.get("file"), let asset = Self.files[file] else {
            throw DashboardError.notFound("there is no such file")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.type, .contentLength: String(asset.bytes.count), .cacheControl: "private, max-age=300",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes))
        )
    }
}
