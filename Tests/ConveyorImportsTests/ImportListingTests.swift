import ConveyorImports
import Testing

@Suite("The list of imports")
struct ImportListingTests {
    @Test("imports are listed newest first with their progress, a tenant's or every tenant's, a page at a time")
    func newestFirst() async throws {
        try await ImportFixture.with("listing") { fixture in
            let first = try await fixture.accept(ImportFixture.products(4), options: ImportOptions(chunkSize: 2))
            let other = try await fixture.accept(ImportFixture.products(3), tenant: "other")
            let last = try await fixture.accept(ImportFixture.products(6, first: 10), options: ImportOptions(chunkSize: 2))
            _ = try await fixture.load(first.id, chunk: 1)

            let acme = try await fixture.intake.newest(of: "acme", offset: 0, limit: 10)
            #expect(acme.map(\.id) == [last.id, first.id])
            #expect(acme[1].chunks.total == 2 && acme[1].chunks.done == 1 && acme[1].chunks.failed == 0 && acme[1].state == .running)
            #expect(acme[1].rows.total == 4 && acme[1].rows.inserted == 2 && acme[1].errors.isEmpty)
            #expect(acme[0].state == .queued && acme[0].tenant == "acme" && acme[0].dataset == "products")

            #expect(try await fixture.intake.newest(of: nil, offset: 0, limit: 10).map(\.id) == [last.id, other.id, first.id])
            #expect(try await fixture.intake.newest(of: nil, offset: 1, limit: 1).map(\.id) == [other.id])
            #expect(try await fixture.intake.newest(of: "nobody", offset: 0, limit: 10).isEmpty)
        }
    }
}
