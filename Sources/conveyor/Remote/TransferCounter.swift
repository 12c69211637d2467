import Synchronization

/// Bytes sent so far by a transfer that runs in another task, read by the one that draws
/// its progress.
final class TransferCounter: Sendable {
    private let bytes = Atomic<Int64>(0)
    private let finished = Atomic<Bool>(false)

    /// The bytes counted so far.
    var total: Int64 {
        bytes.load(ordering: .relaxed)
    }

    /// Whether the transfer has ended, well or not.
    var isFinished: Bool {
        finished.load(ordering: .acquiring)
    }

    func add(_ count: Int) {
        bytes.add(Int64(count), ordering: .relaxed)
    }

    func finish() {
        finished.store(true, ordering: .releasing)
    }
}
