@testable import ConveyorPostgres
import ConveyorTestSupport
import Foundation
import Testing

@Suite("Session settings")
struct PostgresSessionSettingsTests {
    @Test("the server's usual settings fit, and ask for no startup options")
    func usualSettingsFit() {
        let settings = PostgresSessionSettings { ["DateStyle": "ISO, MDY", "standard_conforming_strings": "on"][$0] }
        #expect(settings.isFit)
        #expect(settings.options == "")
    }

    @Test("a setting that does not fit, or is not reported, asks for the option that sets it, and the advice names it")
    func unfitSettings() {
        let dates = PostgresSessionSettings { ["DateStyle": "SQL, DMY", "standard_conforming_strings": "on"][$0] }
        #expect(!dates.isFit)
        #expect(dates.options == "-c DateStyle=ISO")
        #expect(dates.advice.contains("DateStyle is 'SQL, DMY'"))

        let both = PostgresSessionSettings { ["DateStyle": "German"][$0] }
        #expect(both.options == "-c DateStyle=ISO -c standard_conforming_strings=on")
        #expect(both.advice.contains("standard_conforming_strings is not reported"))
    }

    @Test(
        "a connection string that sets other values gets a connection with the settings the client needs",
        .disabled(if: TestEnvironment.reachesPostgresThroughPooler, "a transaction pooler refuses startup options")
    )
    func connectionIsOpenedAgainWithOptions() async throws {
        let base = try TestDatabase.url()
        let options = "-cDateStyle=SQL,DMY -cstandard_conforming_strings=off"
        let url = base.contains("://")
            ? base + (base.contains("?") ? "&" : "?") + "options=" + options.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            : base + " options='\(options)'"
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url), logger: TestDatabase.logger)
        let row = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT current_setting('DateStyle') AS dates, current_setting('standard_conforming_strings') AS strings, "
                    + "timestamptz '2024-05-06 07:08:09+00' AS at"
            ).rows[0]
        }
        await pool.shutdown()
        #expect(try row.decode("dates", as: String.self).hasPrefix("ISO"))
        #expect(try row.decode("strings", as: String.self) == "on")
        #expect(try row.decode("at", as: Date.self) == Date(timeIntervalSince1970: 1_714_979_289))
    }
}
