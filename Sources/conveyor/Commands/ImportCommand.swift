import ArgumentParser
import Foundation

/// `conveyor import DATASET FILE`: uploads a file of rows through the API, streamed from
/// disk, then follows the import until every chunk is loaded or failed: a progress bar on a
/// terminal, plain lines elsewhere, and a summary at the end. Exits non-zero unless every
/// chunk loaded.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Upload a CSV, NDJSON or JSON file of rows into a dataset through the API, and follow the import to its end."
    )

    @OptionGroup var api: APIClientOptions

    @Argument(help: "The dataset, e.g. products (jobs/datasets).")
    var dataset: String

    @Argument(help: "The file of rows: .csv (a header row, then one row a line), .ndjson or .jsonl (one object a line), .json (an array of objects).")
    var file: String

    @Option(help: "The file's format, when its name does not tell: csv, ndjson or json.")
    var format: String?

    @Option(name: .customLong("on-conflict"), help: "What becomes of a row whose key the table has already: skip or update (default skip).")
    var onConflict: String?

    @Option(name: .customLong("chunk-size"), help: "Rows per chunk job, 1 to 100000 (default 5000).")
    var chunkSize: Int?

    /// The media types the API takes, by the format's name and by the file name's extension.
    private static let formats = ["csv": "text/csv", "ndjson": "application/x-ndjson", "json": "application/json"]
    private static let extensions = ["csv": "csv", "ndjson": "ndjson", "jsonl": "ndjson", "json": "json"]

    func validate() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw ValidationError("there is no file \(file): give the path of the file of rows to upload")
        }
        guard !isFolder.boolValue else { throw ValidationError("\(file) is a folder: give the path of the file of rows to upload") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file): permission denied") }
        _ = try contentType()
        if let onConflict, !["skip", "update"].contains(onConflict) {
            throw ValidationError("--on-conflict must be skip or update, not '\(onConflict)'")
        }
        if let chunkSize, !(1...100_000).contains(chunkSize) {
            throw ValidationError("--chunk-size must be from 1 to 100000, not \(chunkSize)")
        }
    }

    func run() async throws {
        let client = try api.client()
        let status = StatusLine()
        let receipt = try await upload(through: client, status: status)
        status.print("accepted: import \(receipt.id) into \(dataset), \(Figures.grouped(receipt.rows)) rows in \(Figures.grouped(receipt.chunks)) chunks")
        let loading = ContinuousClock.now
        let outcome = try await client.follow(
            "/v1/imports/\(receipt.id)", as: ImportStatus.self, every: .milliseconds(status.interactive ? 150 : 500),
            until: \.isFinished
        ) { answer in
            switch answer {
            case .success(let progress): show(progress, since: loading, on: status)
            case .failure(let error): status.show("the API is away, asking again: \(error)", plain: "the API is away, asking again: \(error)")
            }
        }
        status.print(summary(of: outcome, took: .now - loading))
        guard outcome.state == "succeeded" else { throw ExitCode.failure }
    }

    /// The file's media type: `--format`'s, else its extension's.
    private func contentType() throws -> String {
        let name = format ?? Self.extensions[(file as NSString).pathExtension.lowercased()]
        guard let name else {
            throw ValidationError("cannot tell the format of \(file) from its name: give --format csv, ndjson or json")
        }
        guard let type = Self.formats[name] else { throw ValidationError("--format must be csv, ndjson or json, not '\(name)'") }
        return type
    }

    /// Sends the file, drawing how much of it has gone, and answers the API's receipt.
    private func upload(through client: APIClient, status: StatusLine) async throws -> ImportReceipt {
        let contentType = try contentType()
        let path = "/v1/imports/\(Self.pathComponent(dataset))" + query()
        let file = file
        let counter = TransferCounter()
        let sending = Task {
            defer { counter.finish() }
            return try await FileChunks.reading(file, onRead: counter.add) { chunks in
                try await client.upload(path, file: chunks, contentType: contentType, as: ImportReceipt.self)
            }
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value
        let name = (file as NSString).lastPathComponent
        status.show("uploading \(name)", plain: "uploading \(name) (\(size.map(Figures.bytes) ?? "?"), \(contentType))", urgent: true)
        func showSent() {
            let sent = counter.total
            let seconds = max(status.elapsed / .seconds(1), 0.001)
            status.show(
                ProgressBar.line(
                    label: "uploading", fraction: size.map { Double(sent) / Double(max($0, 1)) } ?? 0,
                    figures: [
                        "\(Figures.bytes(sent))/\(size.map(Figures.bytes) ?? "?")", "\(Figures.bytes(Int64(Double(sent) / seconds)))/s",
                        Figures.clock(status.elapsed),
                    ],
                    width: status.width
                ),
                plain: "uploading: \(Figures.bytes(sent)) of \(size.map(Figures.bytes) ?? "?") sent", urgent: counter.isFinished
            )
        }
        return try await withTaskCancellationHandler {
            while !counter.isFinished {
                showSent()
                try? await Task.sleep(for: .milliseconds(100))
            }
            showSent()
            do {
                return try await sending.value
            } catch {
                status.end()
                throw error
            }
        } onCancel: {
            sending.cancel()
        }
    }

    /// The upload's query: the options given, the API's defaults for the others.
    private func query() -> String {
        let items = [onConflict.map { "on_conflict=\($0)" }, chunkSize.map { "chunk_size=\($0)" }].compactMap { $0 }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    private func show(_ progress: ImportStatus, since start: ContinuousClock.Instant, on status: StatusLine) {
        let elapsed = ContinuousClock.now - start
        let rate = progress.rowsPerSecond ?? Int(Double(progress.rowsEnded) / max(elapsed / .seconds(1), 0.001))
        let chunks = "\(Figures.grouped(progress.chunksEnded))/\(Figures.grouped(progress.chunks.total)) chunks"
        let rows = "\(Figures.grouped(progress.rowsEnded))/\(Figures.grouped(progress.rows.total)) rows"
        let failed = progress.chunks.failed > 0 ? ["\(Figures.grouped(progress.chunks.failed)) failed"] : []
        let state = progress.state.replacingOccurrences(of: "_", with: " ")
        // Under the upload's bar, and as wide, but for the longest states.
        let label = state + String(repeating: " ", count: max(0, "uploading".count - state.count))
        status.show(
            ProgressBar.line(
                label: label, fraction: Double(progress.chunksEnded) / Double(max(progress.chunks.total, 1)),
                figures: [chunks, rows] + failed + ["\(Figures.grouped(rate)) rows/s", Figures.clock(elapsed)], width: status.width
            ),
            plain: "\(state): " + ([chunks, rows] + failed).joined(separator: ", "),
            urgent: progress.isFinished
        )
    }

    /// What the import came to: its rows, and each failed chunk with the API's error.
    private func summary(of outcome: ImportStatus, took duration: Duration) -> String {
        let rows = outcome.rows
        var parts = ["\(Figures.grouped(rows.inserted)) inserted", "\(Figures.grouped(rows.updated)) updated", "\(Figures.grouped(rows.skipped)) skipped"]
        if rows.failed > 0 { parts.append("\(Figures.grouped(rows.failed)) failed") }
        var text = "\(outcome.state.replacingOccurrences(of: "_", with: " ")): \(Figures.grouped(outcome.rowsLoaded)) rows loaded of "
            + "\(Figures.grouped(rows.total)) (\(parts.joined(separator: ", "))), \(Figures.grouped(outcome.chunks.total)) chunks, "
            + "\(Figures.seconds(duration))" + (outcome.rowsPerSecond.map { ", \(Figures.grouped($0)) rows/s" } ?? "")
        if outcome.chunks.failed > 0 {
            text += "\n\(Figures.grouped(outcome.chunks.failed)) of \(Figures.grouped(outcome.chunks.total)) chunks failed:"
            for error in outcome.errors {
                text += "\n  chunk \(error.chunk)" + (error.line.map { ", line \(Figures.grouped($0))" } ?? "") + ": \(error.message)"
            }
        }
        return text
    }

    /// `text` as one segment of a URL's path.
    private static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
