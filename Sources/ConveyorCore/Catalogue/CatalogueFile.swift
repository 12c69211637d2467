/// One file of a catalogue in `jobs/` (a dataset, an export, a cached value, a schedule), read the way
/// every catalogue format reads its files: what it describes is named after the file, the text is UTF-8
/// and read line by line, and a mistake is reported with the file and the line to fix. Each format
/// keeps only its own directives and what it builds of them.
public struct CatalogueFile: Sendable {
    /// The file, as the catalogue was given it (e.g. `jobs/datasets/products.dataset`); errors name it so.
    public let path: String
    /// The file's name without its extension: what the file describes is called this.
    public let name: String
    private let contents: [UInt8]

    /// The file at `path`, whose name must end in `fileExtension`.
    ///
    /// The contents are only looked at when the lines are read, so that a format can check
    /// ``name`` first: a misnamed file is reported as such, whatever it holds.
    ///
    /// - Parameters:
    ///   - path: the file, as errors should name it; its name is what follows the last `/`.
    ///   - contents: the file's bytes.
    ///   - fileExtension: the ending of the format's files, such as `.dataset`.
    ///   - fileName: how the format speaks of a file's name when the ending is wrong, such as
    ///     "a dataset file's name", which gives "a dataset file's name must end in .dataset".
    /// - Throws: ``CatalogueFileError`` without a line when the name does not end in `fileExtension`.
    public init(path: String, contents: [UInt8], fileExtension: String, fileName: String) throws(CatalogueFileError) {
        let lastComponent = path.split(separator: "/").last.map(String.init) ?? path
        guard lastComponent.hasSuffix(fileExtension) else {
            throw CatalogueFileError(file: path, line: nil, message: "\(fileName) must end in \(fileExtension)")
        }
        self.path = path
        self.name = String(lastComponent.dropLast(fileExtension.count))
        self.contents = contents
    }

    /// Whether ``name`` is one a catalogue accepts: 1 to 63 of `a-z`, `0-9`, `_` and `-`,
    /// starting with a letter, so that it is safe in a URL path, a Redis key and a file name.
    public var hasValidName: Bool {
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        return (1...63).contains(name.utf8.count) && name.utf8.first.map(isLetter) == true
            && name.utf8.allSatisfy {
                isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }

    /// Checks ``hasValidName``.
    ///
    /// - Parameter item: what the file describes, with its article, for the error: "a dataset"
    ///   gives "'Products' cannot name a dataset: use 1 to 63 of a-z, …".
    /// - Throws: ``CatalogueFileError`` without a line when the name is not valid.
    public func requireValidName(for item: String) throws(CatalogueFileError) {
        guard hasValidName else {
            throw error(nil, "'\(name)' cannot name \(item): use 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter")
        }
    }

    /// Every line of the file with its number, from 1: the text between two `\n` characters, as
    /// written. A `\r\n` pair is one character of its own, so it does not end a line.
    ///
    /// - Throws: ``CatalogueFileError`` without a line when the file is not valid UTF-8.
    public func lines() throws(CatalogueFileError) -> [CatalogueLine] {
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw error(nil, "the file is not valid UTF-8")
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, text in
            CatalogueLine(number: index + 1, text: text)
        }
    }

    /// The lines that hold a directive, in a format of one directive a line: each without its
    /// comment and trimmed of `blank`; blank lines and comment lines are left out, so each line
    /// given has a first word when split at the characters of `blank`.
    ///
    /// - Throws: ``CatalogueFileError`` when the file is not valid UTF-8.
    public func directiveLines(comments: CatalogueComments, blank: CatalogueBlank) throws(CatalogueFileError) -> [CatalogueLine] {
        try lines().compactMap { line in
            let text = comments.directive(in: line.text, blank: blank)
            return text.isEmpty ? nil : CatalogueLine(number: line.number, text: text)
        }
    }

    /// The header of a file that begins with `--` comment lines, as the `.sql` formats do, and the
    /// rest of the file after it.
    ///
    /// The header runs to the first line that, trimmed of `blank`, is neither empty nor starts with
    /// `--`; that line and those after it are the ``CatalogueHeader/body``.
    ///
    /// - Throws: ``CatalogueFileError`` when the file is not valid UTF-8.
    public func header(blank: CatalogueBlank) throws(CatalogueFileError) -> CatalogueHeader {
        let lines = try lines()
        var comments: [CatalogueLine] = []
        for line in lines {
            let text = blank.trimming(line.text)
            if text.isEmpty { continue }
            guard text.hasPrefix("--") else {
                return CatalogueHeader(comments: comments, body: line.text.base[line.text.startIndex...], bodyLine: line.number)
            }
            let comment = blank.trimming(text.dropFirst(2))
            if !comment.isEmpty { comments.append(CatalogueLine(number: line.number, text: comment)) }
        }
        return CatalogueHeader(comments: comments, body: "", bodyLine: lines.count + 1)
    }

    /// A mistake at `line` of this file (nil: something of the whole file, such as a missing directive).
    public func error(_ line: Int?, _ message: String) -> CatalogueFileError {
        CatalogueFileError(file: path, line: line, message: message)
    }
}
