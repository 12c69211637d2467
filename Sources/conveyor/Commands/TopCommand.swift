import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import ConveyorWorker
import Foundation
import Logging
import UnixSignals

/// `conveyor top`: the queues and the live workers, read from Redis and redrawn in place
/// every interval until `q` or Ctrl-C; one snapshot when standard output is not a terminal.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show the queues (depth, running, scheduled, dead, latency, paused) and the live workers, refreshed in place until q or Ctrl-C."
    )

    @OptionGroup var connections: ConnectionOptions

    @Option(help: "Seconds between refreshes, 0.1 to 3600.")
    var interval: Double = 1

    @Flag(help: "Print one snapshot and exit, as when standard output is not a terminal.")
    var once = false

    /// What ends a wait between two screens.
    private enum Event: Sendable {
        case refresh
        case quit
    }

    func validate() throws {
        guard (0.1...3600).contains(interval) else { throw ValidationError("--interval must be from 0.1 to 3600 seconds, not \(interval)") }
    }

    func run() async throws {
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.top"))
        do {
            let queue = try await connections.jobQueue(redis)
            if once || !Terminal.isInteractive {
                Terminal.write(try await Self.read(queue, redis).lines(hint: "").joined(separator: "\n") + "\n")
            } else {
                await watch(queue, redis)
            }
            await redis.shutdown()
        } catch {
            await redis.shutdown()
            throw error
        }
    }

    private static func read(_ queue: JobQueue, _ redis: RedisClient) async throws -> TopScreen {
        TopScreen(queues: try await QueueOverview.all(in: queue), workers: try await WorkerDirectory.list(from: redis), readAt: Date())
    }

    /// Redraws the screen at each refresh, a resize of the terminal or a key other than q,
    /// until q, Ctrl-C or SIGTERM.
    private func watch(_ queue: JobQueue, _ redis: RedisClient) async {
        let keyboard = KeyboardInput()
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sigwinch)
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let period = Duration.milliseconds(Int64(interval * 1000))
        let hint = "every \(Figures.seconds(period)), q to quit"
        Terminal.write(Terminal.hideCursor + Terminal.clearScreen)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    sink.yield(.refresh)
                }
            }
            group.addTask {
                for await signal in signals {
                    sink.yield(signal == .sigwinch ? .refresh : .quit)
                }
            }
            if let keys = keyboard?.keys {
                group.addTask {
                    for await key in keys {
                        sink.yield(key == UInt8(ascii: "q") || key == UInt8(ascii: "Q") ? .quit : .refresh)
                    }
                }
            }
            var previous: [String] = []
            draw: while true {
                let size = Terminal.size
                let lines: [String]
                do {
                    lines = try await Self.read(queue, redis).lines(hint: hint, columns: size.columns, rows: size.rows - 1)
                } catch {
                    // Redis away for a moment: the last figures stay, under the error.
                    lines = [String("conveyor top  cannot read Redis: \(error)  (\(hint))".prefix(size.columns))] + previous.dropFirst()
                }
                previous = lines
                Terminal.write(Terminal.home + lines.map { $0 + Terminal.clearToLineEnd }.joined(separator: "\n") + Terminal.clearToScreenEnd)
                for await event in events {
                    if case .quit = event { break draw }
                    continue draw
                }
                break
            }
            group.cancelAll()
        }
        keyboard?.restore()
        Terminal.write("\n" + Terminal.showCursor)
    }
}
