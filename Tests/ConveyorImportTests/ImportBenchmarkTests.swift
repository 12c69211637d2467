@testable import ConveyorImports
import ConveyorTestSupport
import Foundation
import NIOCore
import Testing

/// How fast bodies are read and how little memory an intake takes.
///
/// Opt-in, because it reads hundreds of megabytes; run it on a release build:
/// `CONVEYOR_IMPORT_BENCHMARK_ROWS=1000000 swift test -c release -Xswiftc -enable-testing --filter ImportBenchmarkTests`.
@Suite(.serialized) struct ImportBenchmarkTests {
    static let rowCount = ProcessInfo.processInfo.environment["CONVEYOR_IMPORT_BENCHMARK_ROWS"].flatMap(Int.init)

    /// A body already in memory, in pieces, so that only the reading is timed.
    struct Pieces: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let pieces: [ByteBuffer]

        struct AsyncIterator: AsyncIteratorProtocol {
            var remaining: ArraySlice<ByteBuffer>
            mutating func next() async -> ByteBuffer? { remaining.popFirst() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: pieces[...]) }
    }

    @Test(.enabled(if: rowCount != nil, "set CONVEYOR_IMPORT_BENCHMARK_ROWS to run"), arguments: [ImportFormat.ndjson, .csv, .jsonArray])
    func readingSpeed(format: ImportFormat) async throws {
        let count = try #require(Self.rowCount)
        var pieces: [ByteBuffer] = []
        for await piece in SyntheticProducts(count: count, format: format) { pieces.append(piece) }
        let bytes = pieces.reduce(0) { $0 + $1.readableBytes }
        let clock = ContinuousClock()
        let start = clock.now
        var reader = ImportBodyReader(
            body: Pieces(pieces: pieces), format: format, dataset: TestDatasets.products, chunkSize: 5000, maxBodyBytes: .max
        )
        var rows = 0
        while let chunk = try await reader.nextChunk() { rows += chunk.rowCount }
        let seconds = Double(start.duration(to: clock.now).microseconds) / 1e6
        print("reading \(format.name): \(rows) rows, \(bytes / 1_000_000) MB in \(String(format: "%.2f", seconds)) s: \(Int(Double(rows) / seconds)) rows/s, \(Int(Double(bytes) / seconds / 1e6)) MB/s")
        #expect(rows == count)
    }

    @Test(.enabled(if: rowCount != nil, "set CONVEYOR_IMPORT_BENCHMARK_ROWS to run"))
    func intakeMemoryStaysFlat() async throws {
        let count = try #require(Self.rowCount)
        try await ImportFixture.with("bench") { fixture async throws in
            let body = SyntheticProducts(count: count, format: .ndjson)
            // Warm up the pool, the queue and the code paths with a small import first.
            _ = try await fixture.intake.accept(
                dataset: "products", format: .ndjson, options: ImportOptions(), tenant: "acme", requestID: "bench",
                maxBodyBytes: .max, body: SyntheticProducts(count: 10_000, format: .ndjson)
            )
            let before = try Self.residentKilobytes()
            let sampler = Task {
                var peak = 0
                while !Task.isCancelled {
                    peak = max(peak, (try? Self.residentKilobytes()) ?? 0)
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return peak
            }
            let clock = ContinuousClock()
            let start = clock.now
            let receipt = try await fixture.intake.accept(
                dataset: "products", format: .ndjson, options: ImportOptions(), tenant: "acme", requestID: "bench",
                maxBodyBytes: .max, body: body
            )
            let seconds = Double(start.duration(to: clock.now).microseconds) / 1e6
            sampler.cancel()
            let peak = await sampler.value
            let growth = (peak - before) / 1024
            print("intake: \(receipt.rows) rows in \(receipt.chunks) chunks in \(String(format: "%.2f", seconds)) s (\(Int(Double(receipt.rows) / seconds)) rows/s); resident memory \(before / 1024) MB, peak \(peak / 1024) MB (+\(growth) MB)")
            #expect(receipt.rows == count)
            #expect(growth < 64)
        }
    }

    static func residentKilobytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    }
}
