import ConveyorExports
public import Hummingbird

/// `/v1/exports`: request an export of the catalogue, follow it, and download its file. An
/// export runs for the tenant of the key that requests it; a producer sees only its
/// tenant's exports: another's is answered 404, as one that does not exist.
struct ExportsController {
    let services: APIServices
    /// Keeps the answers of requests sent with an `Idempotency-Key`.
    let idempotency: IdempotencyMiddleware

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.group().add(middleware: idempotency).post(use: create)
        routes.get(":id", use: show)
        routes.get(":id/file", use: download)
        return routes
    }

    /// `POST /v1/exports`: checks the export, format and parameters, records the export and
    /// enqueues its job: 202 with the record and `Location`.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ExportRecord> {
        let caller = try context.authenticatedCaller()
        let body = try await request.collectBody(upTo: ExportSubmission.maxBodyBytes, describedAs: "an export request")
        let submission = try ExportSubmission(body: body)
        do {
            let record = try await services.exports.request(
                export: submission.export, format: submission.format, params: submission.params, tenant: caller.tenant,
                requestID: context.requestID
            )
            return EditedResponse(status: .accepted, headers: [.location: "/v1/exports/\(record.id)"], response: record)
        } catch let error as ExportRequestError {
            throw Problem(error, catalogue: services.exports.catalogue)
        }
    }

    /// `GET /v1/exports/{id}`: the export's record: state, rows, bytes, SHA-256, times.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> ExportRecord {
        try await record(context)
    }

    /// `GET /v1/exports/{id}/file`: the file, streamed from its store with its type, length,
    /// a download name and its SHA-256 as `ETag`; 409 until it is ready, 410 once expired.
    @Sendable func download(_ request: Request, context: APIRequestContext) async throws -> Response {
        let record = try await record(context)
        guard record.state == .succeeded else { throw Problem.exportNotReady(record) }
        guard !record.isExpired, let sha256 = record.sha256, let file = try await services.exports.file(of: record) else {
            throw Problem.exportExpired(record)
        }
        let etag = "\"\(sha256)\""
        let headers: HTTPFields = [
            .contentType: record.format.contentType,
            .contentDisposition: "attachment; filename=\"\(record.downloadName)\"",
            .eTag: etag,
        ]
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        // Once the headers are out, a file that cannot be read to its end cuts the response
        // short of its Content-Length, which every client reports.
        let body = ResponseBody(contentLength: record.bytes ?? 0) { writer in
            try await file.read { piece in try await writer.write(ByteBuffer(bytes: piece)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func record(_ context: APIRequestContext) async throws -> ExportRecord {
        let caller = try context.authenticatedCaller()
        let id = try context.parameters.require("id")
        guard let record = try await services.exports.record(id: id), caller.canAccess(tenant: record.tenant) else {
            throw Problem.notFound("there is no export '\(id)': use the id that POST /v1/exports returned")
        }
        return record
    }
}

/// An export's record answers `POST /v1/exports` and `GET /v1/exports/{id}`.
extension ExportRecord: ResponseEncodable {}
