import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// `conveyor batch ID`: prints a batch's state and its jobs' outcomes as JSON.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Show a batch: its state, its jobs' outcomes by count, and its callbacks' jobs."
    )

    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "The batch's id, batch_<ULID>, as POST /v1/batches returned it.")
    var id: String

    func run() async throws {
        let batchID: BatchID
        do {
            batchID = try BatchID(id)
        } catch {
            throw ValidationError("\(error)")
        }
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.batch"))
        let status = try await connections.jobQueue(redis).batchStatus(batchID)
        await redis.shutdown()
        guard let status else { throw ValidationError("no batch \(batchID): it never existed, or it finished and expired") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(status), as: UTF8.self))
    }
}
