import ConveyorPostgres
import Testing

@Suite struct PostgresErrorTests {
    @Test(arguments: ["40001", "40P01", "57P01", "57P03"])
    func transientServerErrorsAreRetryable(sqlState: String) {
        #expect(PostgresError(kind: .server, message: "transient", sqlState: sqlState).isRetryable)
    }

    @Test(arguments: ["23505", "42601", "22P02", "57014"])
    func otherServerErrorsAreNot(sqlState: String) {
        #expect(!PostgresError(kind: .server, message: "permanent", sqlState: sqlState).isRetryable)
    }

    @Test func connectionAndPoolFailuresAreRetryable() {
        for kind in [PostgresError.Kind.connectionFailed, .connectionLost, .serverUnresponsive, .poolTimeout] {
            #expect(PostgresError(kind: kind, message: "x").isRetryable)
        }
        for kind in [PostgresError.Kind.invalidConfiguration, .shutdown, .invalidUsage] {
            #expect(!PostgresError(kind: kind, message: "x").isRetryable)
        }
    }

    @Test func describesServerFields() {
        let error = PostgresError(
            kind: .server,
            message: "duplicate key value violates unique constraint \"people_pkey\"",
            sqlState: "23505",
            detail: "Key (id)=(1) already exists.",
            hint: "Pick another id."
        )
        #expect(
            error.description
                == "PostgreSQL error 23505: duplicate key value violates unique constraint \"people_pkey\" DETAIL: Key (id)=(1) already exists. HINT: Pick another id."
        )
    }
}
