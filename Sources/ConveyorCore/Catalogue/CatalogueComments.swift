/// Where the comments of a format of one directive a line stand. The two `#` formats differ:
/// a dataset's line may end in a comment, while a schedule's payload is JSON, where `#` is text.
public enum CatalogueComments: Sendable {
    /// `#` starts a comment wherever it stands, up to the end of the line.
    case hashToEndOfLine
    /// A line whose first character, after the blanks, is `#` is a comment; elsewhere `#` is text.
    case hashLines

    /// What of the line `text` is not comment, trimmed of `blank`; empty for a comment line.
    func directive(in text: Substring, blank: CatalogueBlank) -> Substring {
        switch self {
        case .hashToEndOfLine:
            return blank.trimming(text.prefix { $0 != "#" })
        case .hashLines:
            let trimmed = blank.trimming(text)
            return trimmed.hasPrefix("#") ? "" : trimmed
        }
    }
}
