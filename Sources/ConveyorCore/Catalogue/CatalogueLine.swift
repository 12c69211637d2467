/// A line of a catalogue file and its number, which every error about the line names.
public struct CatalogueLine: Sendable {
    /// From 1, as an editor counts.
    public let number: Int
    public let text: Substring

    /// The runs of characters between `separators`, for a directive whose arguments are words
    /// (a dataset's `key tenant, sku` separates them with commas too).
    public func words(separatedBy separators: Set<Character>) -> [Substring] {
        text.split(whereSeparator: separators.contains)
    }

    /// The first word, up to the first white space (`Character.isWhitespace`), and the rest of the
    /// line trimmed of `blank`: for a directive whose one argument may hold spaces, such as a cron
    /// expression.
    public func directive(argumentTrimmedOf blank: CatalogueBlank) -> (name: Substring, argument: Substring) {
        let name = text.prefix { !$0.isWhitespace }
        return (name, blank.trimming(text[name.endIndex...]))
    }
}
