@testable import ConveyorImports
import ConveyorJobs
import NIOCore

/// A body that arrives in pieces of `pieceSize` bytes, as a client's upload does.
struct PiecewiseBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let bytes: [UInt8]
    let pieceSize: Int

    init(_ bytes: [UInt8], pieceSize: Int = 64 * 1024) {
        self.bytes = bytes
        self.pieceSize = pieceSize
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let pieceSize: Int
        var offset = 0

        mutating func next() async -> ByteBuffer? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(offset + pieceSize, bytes.count)
            defer { offset = end }
            return ByteBuffer(bytes: bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bytes: bytes, pieceSize: pieceSize)
    }
}

/// The datasets the tests import into.
enum TestDatasets {
    static let products = try! JobCatalogue.datasets().dataset(named: "products")!

    /// One column of every type.
    static let everyType = try! DatasetCatalogue(files: [
        (
            "things.dataset",
            Array(
                """
                table things
                tenant owner
                key owner, code
                column code text(8) required
                column note text optional
                column small integer optional
                column large bigint optional
                column amount numeric optional
                column flag boolean optional
                column day date optional
                column moment timestamptz optional
                """.utf8
            )
        )
    ]).dataset(named: "things")!
}

/// What reading a body gave: its chunks as COPY text, or why it was refused.
struct BodyReading {
    var chunks: [SpooledChunk] = []
    var refusal: ImportError?

    /// The COPY text of all chunks, one string per row.
    var rows: [String] {
        chunks.flatMap { String(decoding: $0.data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    var problems: [RowProblem] { refusal?.problems ?? [] }

    /// Reads `body` as the intake does.
    static func read(
        _ body: some Collection<UInt8>, _ format: ImportFormat, dataset: Dataset = TestDatasets.products, pieceSize: Int = 64 * 1024,
        chunkSize: Int = 5000, maxBodyBytes: Int = 1 << 30
    ) async throws -> BodyReading {
        var reader = ImportBodyReader(
            body: PiecewiseBody(Array(body), pieceSize: pieceSize), format: format, dataset: dataset, chunkSize: chunkSize,
            maxBodyBytes: maxBodyBytes
        )
        var reading = BodyReading()
        do {
            while let chunk = try await reader.nextChunk() { reading.chunks.append(chunk) }
        } catch is ImportBodyReader<PiecewiseBody>.BodyRefused {
            reading.refusal = try await reader.refusal()
        } catch let error as ImportError {
            reading.refusal = error
        }
        return reading
    }
}
