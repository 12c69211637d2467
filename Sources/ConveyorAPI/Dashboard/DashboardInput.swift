import ConveyorQueue
import Foundation

/// What the dashboard's query strings and forms carry, read the same way on every page: free
/// text trimmed and cut to a length no real value passes, queue names checked, page offsets
/// kept within what a page may read.
enum DashboardInput {
    /// `text` trimmed and cut to 128 characters; nil when it is empty or missing.
    static func text(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        return String(trimmed.prefix(128))
    }

    /// The queue `text` names; nil when it is empty or missing.
    static func queue(_ text: String?) throws(DashboardError) -> QueueName? {
        guard let text = self.text(text) else { return nil }
        guard let name = try? QueueName(text) else {
            throw .badRequest("'\(text.prefix(64))' is not a queue name: one is 1 to 64 of a-z, 0-9, '_' and '-'")
        }
        return name
    }

    /// `text` as a value in a query string: every character but letters and digits percent-encoded.
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// The page offset `text` gives, from 0 to `deepest`; 0 when it is missing or not a number.
    static func offset(_ text: String?, upTo deepest: Int) -> Int {
        min(max(0, text.flatMap(Int.init) ?? 0), deepest)
    }
}
