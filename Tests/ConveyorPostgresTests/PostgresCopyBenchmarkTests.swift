import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

/// Compares `copyIn`/`copyOut` with `psql`'s `\copy` on the same data, in the same run.
///
/// Opt-in, because it moves a few hundred megabytes: `CONVEYOR_POSTGRES_BENCHMARK_ROWS=1000000 swift test
/// --filter PostgresCopyBenchmarkTests`. Prints the figures and fails below half of psql's speed.
@Suite struct PostgresCopyBenchmarkTests {
    static let rowCount = ProcessInfo.processInfo.environment["CONVEYOR_POSTGRES_BENCHMARK_ROWS"].flatMap(Int.init)
    static let chunkSize = 256 * 1024

    /// A file's bytes in chunks of `chunkSize`, read as the COPY consumes them.
    struct FileChunks: AsyncSequence {
        let path: String

        struct AsyncIterator: AsyncIteratorProtocol {
            let handle: FileHandle

            mutating func next() async throws -> [UInt8]? {
                guard let data = try self.handle.read(upToCount: PostgresCopyBenchmarkTests.chunkSize), !data.isEmpty
                else {
                    try self.handle.close()
                    return nil
                }
                return [UInt8](data)
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(handle: FileHandle(forReadingAtPath: self.path)!)
        }
    }

    static func writeRows(_ count: Int, to path: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer = ""
        for n in 1...count {
            // Written as PostgreSQL prints it, so that COPY TO STDOUT gives back the same bytes.
            let cents = String(format: "%02d", n % 100)
            let timestamp = String(format: "2024-05-%02d 12:%02d:%02d+00", n % 28 + 1, n % 60, n / 60 % 60)
            buffer +=
                "\(n)\tcustomer \(n)\tcustomer\(n)@example.com\t\(n % 1000)\t\(n % 10_000).\(cents)\t\(timestamp)\tnote about row \(n) with a little more text\n"
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    /// Runs psql with `command`, its output discarded, and returns how long it took.
    static func psql(_ command: String) throws -> Duration {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [try TestDatabase.url(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command]
        process.standardOutput = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = start.duration(to: .now)
        guard process.terminationStatus == 0 else {
            throw PostgresError(kind: .invalidUsage, message: "psql failed: \(command)")
        }
        return elapsed
    }

    static func rate(_ rows: Int, _ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s, %.0f rows/s", seconds, Double(rows) / seconds)
    }

    @Test(.enabled(if: rowCount != nil, "set CONVEYOR_POSTGRES_BENCHMARK_ROWS to run"))
    func copyThroughputAgainstPsql() async throws {
        let rows = try #require(Self.rowCount)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestDatabase.uniqueName("copy") + ".tsv"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeRows(rows, to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int

        try await TestDatabase.withPool(poolSize: 1) { pool, database in
            let table = "\(database.schema).bench"
            let columns =
                "id bigint, name text, email text, quantity int, price numeric, created_at timestamptz, note text"
            try await pool.withConnection { try await $0.execute("CREATE TABLE \(table) (\(columns))") }
            var psqlIn: [Duration] = []
            var swiftIn: [Duration] = []
            for _ in 0..<2 {
                try await pool.withConnection { try await $0.execute("TRUNCATE \(table)") }
                psqlIn.append(try Self.psql("\\copy \(table) from '\(path)'"))
                try await pool.withConnection { try await $0.execute("TRUNCATE \(table)") }
                let start = ContinuousClock.now
                let copied = try await pool.withConnection {
                    try await $0.copyIn("COPY \(table) FROM STDIN", from: FileChunks(path: path))
                }
                swiftIn.append(start.duration(to: .now))
                #expect(copied == rows)
            }
            var psqlOut: [Duration] = []
            var swiftOut: [Duration] = []
            for _ in 0..<2 {
                psqlOut.append(try Self.psql("\\copy (SELECT * FROM \(table)) to stdout"))
                let start = ContinuousClock.now
                var bytes = 0
                let copied = try await pool.withConnection { connection in
                    try await connection.copyOut("COPY (SELECT * FROM \(table)) TO STDOUT") { bytes += $0.count }
                }
                swiftOut.append(start.duration(to: .now))
                #expect(copied == rows)
                #expect(bytes == size)
            }
            let (bestPsqlIn, bestSwiftIn) = (psqlIn.min()!, swiftIn.min()!)
            let (bestPsqlOut, bestSwiftOut) = (psqlOut.min()!, swiftOut.min()!)
            print("COPY benchmark, \(rows) rows of 7 columns, \(size / 1_048_576) MiB, best of 2:")
            print(
                "  in:  psql \\copy \(Self.rate(rows, bestPsqlIn)); copyIn \(Self.rate(rows, bestSwiftIn)); copyIn/psql speed \(String(format: "%.0f %%", 100 * (bestPsqlIn / bestSwiftIn)))"
            )
            print(
                "  out: psql \\copy \(Self.rate(rows, bestPsqlOut)); copyOut \(Self.rate(rows, bestSwiftOut)); copyOut/psql speed \(String(format: "%.0f %%", 100 * (bestPsqlOut / bestSwiftOut)))"
            )
            #expect(bestPsqlIn / bestSwiftIn >= 0.5)
            #expect(bestPsqlOut / bestSwiftOut >= 0.5)
        }
    }
}
