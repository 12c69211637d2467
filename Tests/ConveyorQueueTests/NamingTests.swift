import ConveyorQueue
import Testing

@Suite struct NamingTests {
    @Test func queueNamesAreValidated() throws {
        #expect(try QueueName("critical").rawValue == "critical")
        #expect(try QueueName("imports_2-b").rawValue == "imports_2-b")
        for bad in ["", "Critical", "a.b", "a{b}", "-x", String(repeating: "a", count: 65), "a b"] {
            #expect(throws: QueueError.invalidQueueName(bad)) { try QueueName(bad) }
        }
    }

    @Test func jobIDsCarryTheirQueueAndSortByTime() throws {
        let queue = try QueueName("mail")
        let first = JobID(in: queue)
        let second = JobID(in: queue)
        #expect(first.description.hasPrefix("mail."))
        #expect(try JobID(first.description) == first)
        #expect(first != second)
        #expect(first.unique.count == 26)
        for bad in ["mail", "mail.short", ".01JD3M8Z4K7Q2W9X5Y6TABCDEF", "Mail.01JD3M8Z4K7Q2W9X5Y6TABCDEF", "mail.01JD3M8Z4K7Q2W9X5Y6TABCDEU"] {
            #expect(throws: QueueError.invalidJobID(bad)) { try JobID(bad) }
        }
    }

    @Test func ulidsAreOrderedByMillisecond() async throws {
        let queue = QueueName.default
        let earlier = JobID(in: queue)
        try await Task.sleep(for: .milliseconds(3))
        let later = JobID(in: queue)
        #expect(earlier.unique < later.unique)
    }

    /// Ids drawn across several refills of the random pool, from concurrent tasks, never repeat.
    @Test func idsFromConcurrentProducersAreDistinct() async throws {
        let queue = QueueName.default
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5_000).map { _ in JobID(in: queue).description } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(ids.count == 20_000)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { (try? JobID($0)) != nil })
    }
}
