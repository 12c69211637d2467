import ArgumentParser
import ConveyorExports
import Foundation
import NIOCore

/// `conveyor export NAME -o FILE`: requests an export of the catalogue through the API,
/// waits for its file (a spinner on a terminal, plain lines elsewhere), downloads it to FILE
/// streamed to disk with its SHA-256 checked, and prints its size.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Request an export of the catalogue through the API, wait for it, and download its file."
    )

    @OptionGroup var api: APIClientOptions

    @Argument(help: "The export, e.g. products or inventory-by-category (jobs/exports).")
    var name: String

    @Option(help: "csv or json.")
    var format = "csv"

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write; it is replaced once the download is whole.")
    var output: String

    @Option(name: .customLong("param"), help: "A parameter of the export, NAME=VALUE, once per parameter; true and false are booleans, other values text, which the API reads as the parameter's type.")
    var params: [String] = []

    func validate() throws {
        guard ["csv", "json"].contains(format) else { throw ValidationError("--format must be csv or json, not '\(format)'") }
        _ = try parameters()
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("-o \(output) is a folder: name the file to write, e.g. \(output)/\(name).\(format)")
        }
        let folder = (output as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) else {
            throw ValidationError("cannot write -o \(output): the folder \(folder.isEmpty ? "." : folder) does not exist or is not writable")
        }
    }

    func run() async throws {
        let client = try api.client()
        let status = StatusLine()
        var spinner = Spinner()
        let body = try JSONEncoder().encode(ExportRequest(export: name, format: format, params: try parameters()))
        let requested = try await client.post("/v1/exports", json: body, as: ExportStatus.self)
        status.show("\(spinner.next()) export \(requested.id): requested", plain: "export \(requested.id) of \(name) (\(format)): requested", urgent: true)
        let record = try await client.follow(
            "/v1/exports/\(requested.id)", as: ExportStatus.self, every: .milliseconds(status.interactive ? 150 : 500),
            until: \.isFinished
        ) { answer in
            switch answer {
            case .success(let record):
                let mark = record.isFinished ? "*" : String(spinner.next())
                status.show(
                    "\(mark) export \(record.id): \(record.state)  \(Figures.clock(status.elapsed))",
                    plain: "export \(record.id): \(record.state)", urgent: record.isFinished
                )
            case .failure(let error):
                status.show("\(spinner.next()) the API is away, asking again: \(error)", plain: "the API is away, asking again: \(error)")
            }
        }
        guard record.state == "succeeded", let fileURL = record.fileUrl else {
            status.print("export \(record.id) failed: \(record.error ?? "the API gave no reason")")
            throw ExitCode.failure
        }
        let written = try await download(fileURL, of: record, through: client, status: status, spinner: &spinner)
        status.print(
            "wrote \(output): \(Figures.bytes(Int64(written.bytes))) (\(Figures.grouped(written.bytes)) bytes)"
                + (record.rows.map { ", \(Figures.grouped($0)) rows" } ?? "") + (record.sha256 == nil ? "" : ", SHA-256 checked")
        )
    }

    /// Streams the file to `output` through the export folder's writer: under a temporary name
    /// beside it, hashed on the way, renamed once whole; a download that breaks off, or whose
    /// SHA-256 is not the record's, leaves no file.
    private func download(
        _ fileURL: String, of record: ExportStatus, through client: APIClient, status: StatusLine, spinner: inout Spinner
    ) async throws -> ExportDigest.Result {
        let folder = (output as NSString).deletingLastPathComponent
        let fileName = (output as NSString).lastPathComponent
        let store = FolderExportFileStore(path: folder.isEmpty ? "." : folder)
        try await store.prepare()
        let writer = try await store.create(fileName)
        let expected = record.bytes.map(Figures.bytes) ?? "?"
        var received: Int64 = 0
        let written: ExportDigest.Result
        do {
            try await client.download(fileURL) { piece in
                try await writer.write(Array(buffer: piece))
                received += Int64(piece.readableBytes)
                status.show(
                    "\(spinner.next()) downloading \(Figures.bytes(received)) of \(expected)",
                    plain: "downloading: \(Figures.bytes(received)) of \(expected)"
                )
            }
            written = try await writer.finish()
            status.show("* downloaded \(Figures.bytes(received))", plain: "downloaded \(Figures.bytes(received))", urgent: true)
        } catch {
            await writer.discard()
            status.end()
            throw error
        }
        if let sha256 = record.sha256, sha256 != written.sha256 {
            _ = try? await store.remove(fileName)
            throw APIError.unreadable(
                what: "GET \(fileURL)", reason: "the file's SHA-256 is \(written.sha256), not the export's \(sha256); \(output) was removed: run the command again"
            )
        }
        return written
    }

    /// The `--param` values by name.
    private func parameters() throws -> [String: ExportRequest.Value] {
        var values: [String: ExportRequest.Value] = [:]
        for param in params {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                throw ValidationError("--param \(param) should be NAME=VALUE, e.g. --param category=tools")
            }
            values[String(param[..<equals])] = ExportRequest.Value(String(param[param.index(after: equals)...]))
        }
        return values
    }
}
