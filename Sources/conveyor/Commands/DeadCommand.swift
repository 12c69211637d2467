import ArgumentParser
import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// `conveyor dead list|retry|discard`: the dead jobs and what to do with them.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List dead jobs, retry them or discard them.",
        subcommands: [List.self, Retry.self, Discard.self]
    )

    /// `conveyor dead list`: a page of dead jobs, the most recently dead first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead jobs, the most recently dead first.")

        @OptionGroup var connections: ConnectionOptions

        @Option(help: "Only this queue's dead jobs (default: all queues').")
        var queue: String?

        @Option(help: "Jobs to skip.")
        var offset = 0

        @Option(help: "Jobs to show, 1 to 1000.")
        var limit = 25

        @Flag(help: "Print each job as a JSON line, as GET /v1/jobs/{id} shows it.")
        var json = false

        func run() async throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
            guard (0...100_000).contains(offset) else { throw ValidationError("--offset must be from 0 to 100000") }
            let name = try queue.map { name in
                do { return try QueueName(name) } catch { throw ValidationError("--queue: \(error)") }
            }
            let (jobs, hasMore) = try await withQueue(connections) { queue in
                try await DeadJobs.page(in: queue, only: name, offset: offset, limit: limit)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for job in jobs { print(String(decoding: try encoder.encode(job), as: UTF8.self)) }
                return
            }
            print(
                TextTable(
                    headers: ["ID", "KIND", "DIED", "ATTEMPTS", "ERROR"],
                    rows: jobs.map { job in
                        let error = (job.error ?? "").replacingOccurrences(of: "\n", with: " ")
                        return [
                            job.id.description, job.kind, job.finishedAt?.description ?? "", "\(job.attempt)/\(job.maxAttempts)",
                            error.count > 80 ? error.prefix(79) + "…" : error,
                        ]
                    },
                    empty: "no dead jobs"
                )
            )
            if hasMore { print("… more: --offset \(offset + limit)") }
        }
    }

    /// `conveyor dead retry`: queues dead jobs again with fresh attempts.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue dead jobs again with fresh attempts: the ids given, or --all of a queue.")

        @OptionGroup var selection: DeadSelection

        func run() async throws {
            let done = try await selection.apply { queue, id in try await queue.retryDead(id) }
            print("retried \(done) job\(done == 1 ? "" : "s")")
        }
    }

    /// `conveyor dead discard`: deletes dead jobs for good.
    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead jobs for good: the ids given, or --all of a queue.")

        @OptionGroup var selection: DeadSelection

        func run() async throws {
            let done = try await selection.apply { queue, id in try await queue.discardDead(id) }
            print("discarded \(done) job\(done == 1 ? "" : "s")")
        }
    }
}

/// The dead jobs a retry or discard is about: ids, or every dead job of a queue.
struct DeadSelection: ParsableArguments {
    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "Job ids, as dead list prints them.")
    var ids: [String] = []

    @Flag(help: "Every dead job of --queue.")
    var all = false

    @Option(help: "The queue, with --all.")
    var queue: String?

    func validate() throws {
        guard all != !ids.isEmpty else { throw ValidationError("give job ids, or --all with --queue") }
        guard !all || queue != nil else { throw ValidationError("--all needs --queue: the queue whose dead jobs to take") }
    }

    /// Runs `action` on each selected job; returns how many it took (a job that is no longer
    /// dead is skipped, and named).
    func apply(_ action: @escaping @Sendable (JobQueue, JobID) async throws -> Bool) async throws -> Int {
        let given = try ids.map { text in
            do { return try JobID(text) } catch { throw ValidationError("\(error)") }
        }
        let queueName = try queue.map { name in
            do { return try QueueName(name) } catch { throw ValidationError("--queue: \(error)") }
        }
        return try await withQueue(connections) { queue in
            var selected = given
            if all, let queueName {
                var offset = 0
                while true {
                    let page = try await queue.deadJobs(in: queueName, offset: offset, limit: 1000)
                    selected += page.map(\.id)
                    guard page.count == 1000 else { break }
                    offset += 1000
                }
            }
            var done = 0
            for id in selected {
                if try await action(queue, id) { done += 1 } else { print("\(id) is not dead; skipped") }
            }
            return done
        }
    }
}

/// Runs `body` with a queue client, then closes its connections.
func withQueue<Value: Sendable>(_ connections: ConnectionOptions, _ body: (JobQueue) async throws -> Value) async throws -> Value {
    let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.admin"))
    do {
        let value = try await body(try await connections.jobQueue(redis))
        await redis.shutdown()
        return value
    } catch {
        await redis.shutdown()
        throw error
    }
}
