/// The `--` comment lines a `.sql` catalogue file begins with, and the query after them: the
/// header says what the file describes and holds its directives, the body is run.
public struct CatalogueHeader: Sendable {
    /// The header's comments with their lines: the text after `--`, trimmed; empty ones left out.
    public let comments: [CatalogueLine]
    /// The rest of the file, as written, from the first line that is neither blank nor a comment;
    /// empty when there is none.
    public let body: Substring
    /// The number of the body's first line (one past the last line when there is no body), to
    /// turn a line of the body into a line of the file.
    public let bodyLine: Int
}
