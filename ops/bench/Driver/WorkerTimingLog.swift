import Foundation

/// The per-attempt timing lines a worker writes on standard output: JSON objects with
/// `"msg":"job attempt"`, a `job_id` and `wait_ms`, the time from enqueue to start.
struct WorkerTimingLog {
    private struct Line: Decodable {
        var msg: String
        var job_id: String?
        var wait_ms: Double?
    }

    let path: String

    /// `wait_ms` of each attempt line for a job in `ids`, by job id; lines of other jobs,
    /// and lines that are not timing lines, are passed over.
    func waits(of ids: Set<String>) throws -> [String: Double] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        var waits: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.contains("\"msg\":\"job attempt\"") {
            guard let entry = try? decoder.decode(Line.self, from: Data(line.utf8)),
                let id = entry.job_id, ids.contains(id), let wait = entry.wait_ms
            else { continue }
            waits[id] = wait
        }
        return waits
    }
}
