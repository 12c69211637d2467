import ConveyorExports
import ConveyorPostgres
import ConveyorQueue
import Testing

@Suite("The list of exports")
struct ExportListingTests {
    @Test("exports are listed most recently requested first, a tenant's or every tenant's, a page at a time")
    func newestFirst() async throws {
        try await ExportFixture.with { fixture in
            let other = "\(fixture.tenant)-other"
            let catalogue = try ExportCatalogue(files: [("jobs/exports/listed.sql", Array("-- The tenant's products, for a list of records.\nSELECT sku FROM products WHERE tenant = :tenant".utf8))])
            let arguments = try #require(catalogue.export(named: "listed")).arguments([:])
            let ids = try await fixture.pool.withConnection { connection in
                var ids: [String] = []
                for tenant in [fixture.tenant, other, fixture.tenant] {
                    let id = ExportStore.makeID()
                    _ = try await ExportStore.create(
                        id: id, tenant: tenant, export: "listed", format: .csv, arguments: arguments, jobID: JobID(in: .default),
                        requestID: "test", retention: .seconds(3600), on: connection
                    )
                    ids.append(id)
                }
                return ids
            }
            let own = try await fixture.pool.withConnection { connection in
                try await ExportStore.newest(of: fixture.tenant, offset: 0, limit: 10, on: connection)
            }
            #expect(own.map(\.id) == [ids[2], ids[0]])
            #expect(own.allSatisfy { $0.state == .queued && $0.fileURL == nil })
            // Other tests request exports meanwhile: of every tenant's, those of this test's two.
            let every = try await fixture.pool.withConnection { connection in
                try await ExportStore.newest(of: nil, offset: 0, limit: 100, on: connection)
            }
            #expect(every.map(\.id).filter(ids.contains) == ids.reversed())
            let second = try await fixture.pool.withConnection { connection in
                try await ExportStore.newest(of: fixture.tenant, offset: 1, limit: 1, on: connection)
            }
            #expect(second.map(\.id) == [ids[0]])
            try await fixture.pool.withConnection { connection in
                _ = try await connection.execute("DELETE FROM conveyor_exports WHERE tenant = $1", [other])
            }
        }
    }
}
