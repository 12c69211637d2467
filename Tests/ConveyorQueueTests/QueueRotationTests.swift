import ConveyorQueue
import Testing

/// The order a worker tries its weighted queues in.
@Suite struct QueueRotationTests {
    func firsts(_ text: String, calls: Int) throws -> [String: Int] {
        var rotation = QueueRotation(try QueueWeights(parsing: text))
        var counts: [String: Int] = [:]
        for _ in 0..<calls { counts[rotation.next()[0].rawValue, default: 0] += 1 }
        return counts
    }

    @Test func eachQueueComesFirstAsOftenAsItsWeightInEveryRound() throws {
        var rotation = QueueRotation(try QueueWeights(parsing: "a:3,b:1"))
        let orders = (0..<8).map { _ in rotation.next().map(\.rawValue) }
        #expect(orders.map { $0[0] } == ["a", "a", "b", "a", "a", "a", "b", "a"])
        #expect(orders.allSatisfy { Set($0) == ["a", "b"] }, "every call tries every queue")
        #expect(try firsts("critical:5,default:1,low:2", calls: 800) == ["critical": 500, "default": 100, "low": 200])
    }

    @Test func aLightQueueIsNeverStarved() throws {
        var rotation = QueueRotation(try QueueWeights(parsing: "heavy:1000,light:1"))
        let firsts = (0..<1001).map { _ in rotation.next()[0].rawValue }
        #expect(firsts.filter { $0 == "light" }.count == 1)
    }

    @Test func oneQueueIsAlwaysFirst() throws {
        var rotation = QueueRotation(try QueueWeights(parsing: "only"))
        #expect((0..<3).map { _ in rotation.next().map(\.rawValue) } == [["only"], ["only"], ["only"]])
    }
}
