import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// `conveyor job ID`: prints a job's record as JSON.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Show a job: state, attempts, timings, error, result.")

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var job: JobIDArgument

    func run() async throws {
        let jobID = try job.jobID()
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.job"))
        let record = try await try await connections.jobQueue(redis).job(jobID)
        await redis.shutdown()
        guard let record else { throw ValidationError("no job \(jobID): it never existed, or it finished and expired") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(record), as: UTF8.self))
    }
}
