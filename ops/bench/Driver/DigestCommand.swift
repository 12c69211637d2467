import ArgumentParser
import Crypto

/// `conveyor-bench digest`: the cost of the SHA-256 an export takes of its file, measured as
/// the export's writer takes it: 64 KiB pieces, each fed to one running digest.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Time SHA-256 over MiB of data in 64 KiB pieces, as an export's file writer hashes; prints the best of the rounds."
    )

    @Option(help: "MiB hashed per round.")
    var mebibytes = 256

    @Option(help: "Rounds; the fastest counts.")
    var rounds = 5

    func validate() throws {
        guard mebibytes > 0, rounds > 0 else { throw ValidationError("--mebibytes and --rounds must be positive") }
    }

    func run() async throws {
        let piece = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let clock = ContinuousClock()
        var best = Duration.seconds(Int64.max)
        for _ in 0..<rounds {
            let start = clock.now
            var hasher = SHA256()
            for _ in 0..<mebibytes * 16 {
                piece.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
            _ = hasher.finalize()
            best = min(best, start.duration(to: clock.now))
        }
        let (seconds, attoseconds) = best.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        var line = ResultLine()
        line.add("mebibytes", mebibytes)
        line.add("ms_per_mib", milliseconds / Double(mebibytes))
        line.add("mib_per_s", Double(mebibytes) / (milliseconds / 1000))
        print(line)
    }
}
