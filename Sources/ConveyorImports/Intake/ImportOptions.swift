public import ConveyorExternal

/// What to do with a row whose natural key is already in the table.
public enum ConflictAction: String, Sendable, Codable {
    /// Keep the row in the table; count the imported one as skipped.
    case skip
    /// Overwrite the row's other columns; a row that would not change is counted as skipped.
    case update
}

/// How an import is carried out, as the request chose.
public struct ImportOptions: Sendable, Equatable {
    /// The chunk sizes allowed: a chunk is one job and one transaction.
    public static let chunkSizes = 1...100_000

    public var onConflict: ConflictAction
    /// Rows per chunk (fewer when they pass 16 MiB).
    public var chunkSize: Int
    /// Where the import's final record is POSTed once every chunk is loaded or failed.
    public var callbackURL: ExternalURL?

    public init(onConflict: ConflictAction = .skip, chunkSize: Int = 5000, callbackURL: ExternalURL? = nil) {
        self.onConflict = onConflict
        self.chunkSize = chunkSize
        self.callbackURL = callbackURL
    }

    /// Reads the request's `on_conflict`, `chunk_size` and `callback_url` parameters; nil
    /// means the default (no callback).
    ///
    /// - Throws: ``ImportError`` of kind `invalidOption` saying what the parameter may be.
    public init(onConflict: String?, chunkSize: String?, callbackURL: String? = nil) throws(ImportError) {
        self.init()
        if let callbackURL {
            do {
                self.callbackURL = try ExternalURL(callbackURL)
            } catch {
                throw ImportError(.invalidOption, "callback_url must be an absolute http or https URL: \(error)")
            }
        }
        if let onConflict {
            guard let action = ConflictAction(rawValue: onConflict) else {
                throw ImportError(.invalidOption, "on_conflict must be skip or update, not '\(onConflict)'")
            }
            self.onConflict = action
        }
        if let chunkSize {
            guard let size = Int(chunkSize) else { throw Self.chunkSizeError(chunkSize) }
            self.chunkSize = size
        }
        try validate()
    }

    /// - Throws: ``ImportError`` of kind `invalidOption` when the chunk size is out of range.
    func validate() throws(ImportError) {
        guard Self.chunkSizes.contains(chunkSize) else { throw Self.chunkSizeError("\(chunkSize)") }
    }

    private static func chunkSizeError(_ given: String) -> ImportError {
        ImportError(
            .invalidOption,
            "chunk_size must be a whole number from \(chunkSizes.lowerBound) to \(chunkSizes.upperBound), not '\(given)'"
        )
    }
}
