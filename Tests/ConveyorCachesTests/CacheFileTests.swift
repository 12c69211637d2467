import ConveyorCaches
import ConveyorCore
import ConveyorJobs
import ConveyorWorker
import Testing

@Suite("Cache files")
struct CacheFileTests {
    private static func parse(_ text: String, path: String = "jobs/caches/figures.sql") throws(CatalogueFileError) -> CachedValue {
        let catalogue = try CacheCatalogue(files: [(path, Array(text.utf8))])
        return catalogue.value(named: catalogue.names[0])!
    }

    private static func error(_ text: String, path: String = "jobs/caches/figures.sql") -> CatalogueFileError? {
        do {
            _ = try parse(text, path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test("the shipped catalogue loads: the dashboard, one row for a tenant, for 5 minutes")
    func shipped() throws {
        let dashboard = try #require(try JobCatalogue.caches().value(named: "dashboard"))
        #expect(dashboard.ttl == .seconds(300))
        #expect(dashboard.query.shape == .row)
        #expect(dashboard.query.sql.contains("tenant = $1"))
        #expect(!dashboard.query.sql.contains(":tenant"))
        #expect(dashboard.summary.hasPrefix("The dashboard of one tenant"))
    }

    @Test("a file reads its header, then :tenant becomes $1 outside quotes, comments and casts")
    func parsing() throws {
        let value = try Self.parse(
            """
            -- Products per category.
            -- ttl 90s
            -- result rows

            SELECT category, count(*)::int AS products, ':tenant' AS quoted -- not :here
            FROM products /* nor :there */
            WHERE tenant = :tenant AND sku <> ''
            GROUP BY category ORDER BY category;
            """
        )
        #expect(value.name == "figures")
        #expect(value.summary == "Products per category.")
        #expect(value.ttl == .seconds(90))
        #expect(value.query.shape == .rows)
        #expect(value.query.sql.contains("count(*)::int"))
        #expect(value.query.sql.contains("':tenant' AS quoted -- not :here"))
        #expect(value.query.sql.contains("/* nor :there */"))
        #expect(value.query.sql.contains("WHERE tenant = $1 AND sku <> ''"))
        #expect(value.query.sql.hasSuffix("ORDER BY category"))
    }

    @Test(
        "a mistake names the file, the line when there is one, and what to change",
        arguments: [
            ("SELECT 1 WHERE :tenant = ''", nil, "no '-- ttl' line"),
            ("-- ttl 5\nSELECT :tenant", 1, "'ttl' must be a whole number"),
            ("-- ttl 0m\nSELECT :tenant", 1, "'ttl' must be a whole number"),
            ("-- ttl 31d\nSELECT :tenant", 1, "from 1s to 30d"),
            ("-- ttl 5m\n-- ttl 6m\nSELECT :tenant", 2, "a second 'ttl' line (the first is line 1)"),
            ("-- ttl 5m\n-- result table\nSELECT :tenant", 2, "'result' must be row"),
            ("-- ttl 5m\n", nil, "no query after the header"),
            ("-- ttl 5m\nSELECT count(*) FROM products", nil, "never uses :tenant"),
            ("-- ttl 5m\nSELECT *\nFROM products\nWHERE tenant = :tenant AND category = :category", 4, "unknown parameter ':category'"),
            ("-- ttl 5m\nSELECT * FROM products WHERE tenant = $1", 2, "not by number"),
        ] as [(String, Int?, String)]
    )
    func mistakes(text: String, line: Int?, message: String) throws {
        let error = try #require(Self.error(text))
        #expect(error.file == "jobs/caches/figures.sql")
        #expect(error.line == line)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("a value's name is its file's, in a-z, 0-9, '_' and '-'")
    func names() throws {
        #expect(Self.error("-- ttl 5m\nSELECT :tenant", path: "jobs/caches/Figures.sql")?.message.contains("cannot name a cached value") == true)
        #expect(Self.error("-- ttl 5m\nSELECT :tenant", path: "jobs/caches/figures.txt")?.message.contains("must end in .sql") == true)
        let twice: [(path: String, contents: [UInt8])] = [
            ("jobs/caches/figures.sql", Array("-- ttl 5m\nSELECT :tenant".utf8)),
            ("other/figures.sql", Array("-- ttl 5m\nSELECT :tenant".utf8)),
        ]
        #expect(throws: CatalogueFileError(file: "other/figures.sql", line: nil, message: "a second cached value named 'figures'")) {
            try CacheCatalogue(files: twice)
        }
    }

    @Test("a cache_refresh job must name a value of the catalogue")
    func payloadValidation() throws {
        let registry = try JobCatalogue.registry()
        #expect(throws: Never.self) { try registry.validate(kind: "cache_refresh", payload: #"{"cache":"dashboard"}"#) }
        #expect { try registry.validate(kind: "cache_refresh", payload: #"{"cache":"dashbord"}"#) } throws: { error in
            "\(error)".contains("unknown cached value 'dashbord': known values are dashboard")
        }
    }
}
