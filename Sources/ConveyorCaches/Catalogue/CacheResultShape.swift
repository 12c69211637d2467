/// How a cache query's rows become the value's JSON.
public enum CacheResultShape: String, Sendable {
    /// Exactly one row, as an object with one member per column; another number of rows
    /// fails the refresh.
    case row
    /// Every row, each an object, in an array (empty when there are none), in the query's order.
    case rows
}
