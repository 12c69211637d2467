import ConveyorImports

/// The events of an import's stream (`GET /v1/imports/{id}/events`), read from its record at
/// each look: `progress`, the record as `GET /v1/imports/{id}` answers it, whenever its state,
/// chunks, rows or errors change. The first look sends it as it is; the stream's last event is
/// the one whose `finished_at` is set. A client that reconnects is sent the record as it is
/// then.
struct ImportEvents: EventSource {
    let imports: ImportIntake
    let id: String
    private var sent: Figures?

    init(imports: ImportIntake, id: String) {
        self.imports = imports
        self.id = id
    }

    /// What a change of the import is told by.
    private struct Figures: Equatable {
        var state: ImportState
        var chunks: ImportProgress.Chunks
        var rows: ImportProgress.Rows
        var errors: Int
        var finished: Bool
    }

    mutating func next() async throws -> EventStream.Update? {
        // Gone: its retention passed.
        guard let progress = try await imports.progress(id: id) else { return EventStream.Update(events: [], isOver: true) }
        let figures = Figures(
            state: progress.state, chunks: progress.chunks, rows: progress.rows, errors: progress.errors.count, finished: progress.finishedAt != nil
        )
        let isOver = figures.finished
        guard figures != sent else { return EventStream.Update(events: [], isOver: isOver) }
        sent = figures
        return EventStream.Update(events: [try EventStream.Event("progress", progress)], isOver: isOver)
    }
}
