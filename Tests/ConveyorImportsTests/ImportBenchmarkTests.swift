@testable import ConveyorImports
import ConveyorCore
import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import NIOCore
import Synchronization
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

    /// An import accepted and loaded by two loaders at once (as two workers), beside a plain
    /// `COPY` of the same rows into an empty copy of the table, in the same run.
    @Test(.enabled(if: rowCount != nil, "set CONVEYOR_IMPORT_BENCHMARK_ROWS to run"))
    func importBesideCopy() async throws {
        let count = try #require(Self.rowCount)
        try await ImportFixture.with("bench", poolSize: 4) { fixture async throws in
            try await fixture.pool.withConnection { try await $0.execute("CREATE TABLE products_copy (LIKE products INCLUDING ALL)") }
            let clock = ContinuousClock()

            // The same rows as COPY text, as psql's \copy would send them.
            var copyText: [[UInt8]] = []
            var reader = ImportBodyReader(
                body: SyntheticProducts(count: count, format: .ndjson), format: .ndjson, dataset: TestDatasets.products,
                chunkSize: 5000, maxBodyBytes: .max
            )
            while let chunk = try await reader.nextChunk() {
                var text: [UInt8] = []
                for line in chunk.data.split(separator: ASCII.newline) {
                    text += Array("acme".utf8)
                    text += line.drop(while: { $0 != ASCII.tab })
                    text.append(ASCII.newline)
                }
                copyText.append(text)
            }
            let copyStart = clock.now
            let copied = try await fixture.pool.withConnection { connection in
                try await connection.copyIn("COPY products_copy FROM STDIN", from: ImportBenchmarkTests.stream(copyText))
            }
            let copySeconds = Double(copyStart.duration(to: clock.now).microseconds) / 1e6
            #expect(copied == count)

            let start = clock.now
            let receipt = try await fixture.intake.accept(
                dataset: "products", format: .ndjson, options: ImportOptions(), tenant: "acme", requestID: "bench",
                maxBodyBytes: .max, body: SyntheticProducts(count: count, format: .ndjson)
            )
            let accepted = clock.now
            let next = Counter()
            try await withThrowingTaskGroup(of: Void.self) { loaders in
                for _ in 0..<2 {
                    loaders.addTask {
                        while let chunk = next.take(upTo: receipt.chunks) { try await fixture.load(receipt.id, chunk: chunk) }
                    }
                }
                try await loaders.waitForAll()
            }
            let intakeSeconds = Double(start.duration(to: accepted).microseconds) / 1e6
            let loadSeconds = Double(accepted.duration(to: clock.now).microseconds) / 1e6
            let total = intakeSeconds + loadSeconds
            print(
                "COPY of \(count) rows: \(String(format: "%.2f", copySeconds)) s (\(Int(Double(count) / copySeconds)) rows/s); "
                    + "import: intake \(String(format: "%.2f", intakeSeconds)) s + loading \(String(format: "%.2f", loadSeconds)) s "
                    + "= \(String(format: "%.2f", total)) s (\(Int(Double(count) / total)) rows/s, \(Int(copySeconds / total * 100)) % of COPY)"
            )
            #expect(try await fixture.integer("SELECT count(*) FROM products") == count)
        }
    }

    /// Hands out chunk numbers from 1 to loaders running at once.
    final class Counter: Sendable {
        private let state = Mutex(0)

        func take(upTo last: Int) -> Int? {
            state.withLock { value in
                guard value < last else { return nil }
                value += 1
                return value
            }
        }
    }

    static func stream(_ pieces: [[UInt8]]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            for piece in pieces { continuation.yield(piece) }
            continuation.finish()
        }
    }

    static func residentKilobytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    }
}
