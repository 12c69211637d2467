@testable import ConveyorOutbox
import ConveyorQueue
import Testing

/// How a row's lock columns combine with the lock its kind declares, without a server.
@Suite struct OutboxUniqueColumnsTests {
    let declared = UniqueJobs(fields: ["order"], scope: .untilStarted)

    @Test func columnsLeftNullTakeTheKindsLockOrNone() throws {
        #expect(try OutboxUniqueColumns().lock(declared: declared) == declared)
        #expect(try OutboxUniqueColumns().lock(declared: nil) == nil)
    }

    @Test func noneTakesNoLockWhateverTheKindDeclares() throws {
        #expect(try OutboxUniqueColumns(scope: "none").lock(declared: declared) == nil)
    }

    @Test func aScopeKeepsTheKindsFieldsAndFieldsKeepTheKindsScope() throws {
        #expect(try OutboxUniqueColumns(scope: "until_finished").lock(declared: declared) == UniqueJobs(fields: ["order"], scope: .untilFinished))
        #expect(try OutboxUniqueColumns(fields: ["customer"]).lock(declared: declared) == UniqueJobs(fields: ["customer"], scope: .untilStarted))
        // Without a kind's lock: the whole payload, until the job finishes, as `unique: true` asks.
        #expect(try OutboxUniqueColumns(scope: "until_started").lock(declared: nil) == UniqueJobs(scope: .untilStarted))
        #expect(try OutboxUniqueColumns(fields: ["customer"]).lock(declared: nil) == UniqueJobs(fields: ["customer"], scope: .untilFinished))
        #expect(
            try OutboxUniqueColumns(scope: "period", fields: ["a", "b"], periodMilliseconds: 60_000).lock(declared: nil)
                == UniqueJobs(fields: ["a", "b"], scope: .period(.seconds(60)))
        )
    }

    @Test(arguments: [
        OutboxUniqueColumns(scope: "period"),
        OutboxUniqueColumns(scope: "period", periodMilliseconds: 0),
        OutboxUniqueColumns(scope: "period", periodMilliseconds: 2_592_000_001),
        OutboxUniqueColumns(scope: "until_started", periodMilliseconds: 1000),
        OutboxUniqueColumns(periodMilliseconds: 1000),
        OutboxUniqueColumns(scope: "none", fields: ["order"]),
        OutboxUniqueColumns(scope: "forever"),
    ])
    func columnsThatAskForNoLockThereIsSayWhatToGive(_ columns: OutboxUniqueColumns) {
        #expect {
            _ = try columns.lock(declared: nil)
        } throws: { error in
            "\(error)".contains("give 'until_started' or 'until_finished', or 'period' with a unique_period_ms from 1 to 2592000000")
        }
    }

    @Test(arguments: [[], [""], Array(repeating: "f", count: 17), [String(repeating: "f", count: 129)]])
    func fieldsBeyondWhatAKeyTakesAreRefused(_ fields: [String]) {
        #expect {
            _ = try OutboxUniqueColumns(scope: "until_finished", fields: fields).lock(declared: nil)
        } throws: { error in
            "\(error)".hasPrefix("unique_fields must name 1 to 16 payload fields of 1 to 128 bytes each")
        }
    }
}
