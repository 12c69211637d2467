import ConveyorExternal
import ConveyorImports
public import Hummingbird
import Logging

/// `/v1/imports`: upload rows into a dataset, and follow an import's progress. An import
/// belongs to the tenant of the key that uploaded it, and its rows take that tenant; a
/// producer sees only its tenant's imports: another's is answered 404, as one that does not
/// exist.
struct ImportsController {
    let services: APIServices
    let configuration: APIConfiguration
    /// Keeps the answers of uploads sent with an `Idempotency-Key`.
    let idempotency: IdempotencyMiddleware

    /// The path's last segment: the dataset of an upload, the id of an import to read.
    private static let segment = "dataset_or_id"

    var endpoints: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        // One parameter name for both: the router keeps one per path position.
        routes.get(":\(Self.segment)", use: show)
        routes.get(":\(Self.segment)/events", use: events)
        routes.group().add(middleware: idempotency).post(":\(Self.segment)", use: create)
        return routes
    }

    /// `POST /v1/imports/{dataset}`: streams the body (NDJSON, CSV or a JSON array),
    /// checks every row, and accepts the import whole (202, with its id and `Location`)
    /// or refuses it whole (4xx naming the bad lines).
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ImportReceipt> {
        let caller = try context.authenticatedCaller()
        let dataset = try context.parameters.require(Self.segment)
        let contentType = request.headers[.contentType]
        do {
            guard let format = contentType.flatMap(ImportFormat.init(contentType:)) else {
                throw ImportError.unsupportedFormat(contentType: contentType)
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBodyBytes {
                throw Problem.bodyTooLarge(limit: configuration.maxBodyBytes, what: "an import")
            }
            let query = request.uri.queryParameters
            let options = try ImportOptions(
                onConflict: query["on_conflict"].map(String.init), chunkSize: query["chunk_size"].map(String.init),
                callbackURL: query["callback_url"].map(String.init)
            )
            if let callback = options.callbackURL {
                do {
                    _ = try await services.outbound.check(host: callback.host)
                } catch let refusal as OutboundRefusal {
                    context.logger.info("callback_url refused", metadata: ["address": "\(refusal.address)", "rule": "\(refusal.rule)"])
                    throw ImportError(.invalidOption, "callback_url: \(refusal)")
                } catch is UnresolvedHost {
                    // Not refused: the name may resolve by the time the import finishes, and the
                    // worker checks its addresses then.
                }
            }
            let receipt = try await services.imports.accept(
                dataset: dataset, format: format, options: options, tenant: caller.tenant,
                requestID: context.requestID, maxBodyBytes: configuration.maxBodyBytes, body: request.body
            )
            return EditedResponse(status: .accepted, headers: [.location: "/v1/imports/\(receipt.id)"], response: receipt)
        } catch let error as ImportError {
            throw Problem(error, maxBodyBytes: configuration.maxBodyBytes)
        }
    }

    /// `GET /v1/imports/{id}`: state, chunks and rows done, times, rate and chunk errors.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> ImportProgress {
        try await visibleImport(context)
    }

    /// The import the path names, if it exists and the caller may see it; else the same 404
    /// either way.
    func visibleImport(_ context: APIRequestContext) async throws -> ImportProgress {
        let caller = try context.authenticatedCaller()
        let id = try context.parameters.require(Self.segment)
        guard let progress = try await services.imports.progress(id: id), caller.canAccess(tenant: progress.tenant) else {
            throw Problem.notFound("there is no import '\(id)': use the id that POST /v1/imports/{dataset} returned")
        }
        return progress
    }
}

/// An accepted import answers `POST /v1/imports/{dataset}`; its progress answers
/// `GET /v1/imports/{id}`.
extension ImportReceipt: ResponseEncodable {}
extension ImportProgress: ResponseEncodable {}
