/// What a scheduler does on finding that a schedule's latest tick passed while no
/// scheduler ran (or none could reach Redis): the miss is recorded either way.
public enum MissedTickPolicy: String, Sendable, CaseIterable {
    /// Enqueue the latest missed tick's job once, however many ticks were missed: right
    /// for work whose latest run stands for the earlier ones (a nightly export).
    case runOnce = "run_once"
    /// Enqueue nothing and wait for the next tick.
    case skip
}
