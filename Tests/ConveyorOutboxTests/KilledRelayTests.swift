import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import Synchronization
import Testing

/// `conveyor outbox relay` processes killed with `kill -9` in the middle of a batch, while
/// transactions keep committing and rolling back rows.
@Suite struct KilledRelayTests {
    /// A relay process whose connections carry `name` as their application_name.
    private static func startRelay(_ name: String, _ fixture: OutboxFixture) throws -> ConveyorProcess {
        let url = fixture.database.url + (fixture.database.url.contains("?") ? "&" : "?") + "application_name=\(name)"
        return try ConveyorProcess(
            ["outbox", "relay", "--outbox-batch", "20", "--outbox-interval", "20", "--db-pool-size", "2"],
            environment: ["CONVEYOR_DATABASE_URL": url]
        )
    }

    @Test(.disabled(if: TestEnvironment.reachesPostgresThroughPooler, "names each relay's connections by their startup parameters"))
    func aRelayKilledBetweenItsEnqueueAndItsCommitLosesNothingAndDuplicatesNothing() async throws {
        try await OutboxFixture.with("killed") { fixture async throws in
            // While `slow_relay` holds a row, a relay's DELETE of the rows it has enqueued
            // waits in a trigger: the moment between Redis taking the jobs and the commit.
            try await fixture.pool.withConnection { connection in
                try await connection.executeScript(
                    """
                    CREATE TABLE slow_relay (since timestamptz);
                    CREATE FUNCTION slow_relay_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF EXISTS (SELECT FROM slow_relay) THEN PERFORM pg_sleep(2); END IF;
                        RETURN NULL;
                    END $$;
                    CREATE TRIGGER slow_relay BEFORE DELETE ON conveyor_outbox
                        FOR EACH STATEMENT EXECUTE FUNCTION slow_relay_delete();
                    """
                )
            }
            let names = ["relay_a_\(fixture.schema)", "relay_b_\(fixture.schema)"]
            var relays = try Dictionary(uniqueKeysWithValues: names.map { ($0, try Self.startRelay($0, fixture)) })
            let stop = Flag()
            let producerPool = try fixture.separatePool(size: 4)
            let producer = Task {
                var committed: [UUID] = []
                var rolledBack: [UUID] = []
                var round = 0
                while !stop.isSet {
                    round += 1
                    let parity = round % 2
                    try await withThrowingTaskGroup(of: (Bool, [UUID]).self) { group in
                        for n in 0..<4 {
                            group.addTask {
                                let commit = (parity + n) % 2 == 0
                                return (commit, try await fixture.insertNoops(3, commit: commit, pause: .milliseconds(5), on: producerPool))
                            }
                        }
                        for try await (commit, ids) in group {
                            if commit { committed += ids } else { rolledBack += ids }
                        }
                    }
                }
                return (committed, rolledBack)
            }

            var kills: [String] = []
            for _ in 0..<4 {
                try await fixture.pool.withConnection { try await $0.execute("INSERT INTO slow_relay VALUES (now())") }
                var caught: String?
                let found = try await eventually(timeout: .seconds(20)) {
                    caught = try await fixture.pool.withConnection { connection in
                        try await connection.query(
                            "SELECT application_name FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND application_name = ANY($1::text[]) LIMIT 1",
                            ["{" + names.joined(separator: ",") + "}"]
                        ).rows.first.map { try $0.decode("application_name") }
                    }
                    return caught != nil
                }
                try #require(found, "no relay reached its DELETE")
                let name = try #require(caught)
                relays[name]?.signal(SIGKILL)
                _ = try await relays[name]?.waitForExit(timeout: .seconds(10))
                kills.append(name)
                try await fixture.pool.withConnection { try await $0.execute("DELETE FROM slow_relay") }
                relays[name] = try Self.startRelay(name, fixture)
                try await Task.sleep(for: .milliseconds(300))
            }
            stop.set()
            let (committed, rolledBack) = try await producer.value
            let drained = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                try await OutboxRows.summary(in: fixture.pool).pending == 0
            }
            #expect(drained, "\(relays.values.map { $0.output.suffix(1500) })")
            #expect(kills.count == 4)
            #expect(committed.count > 0 && rolledBack.count > 0)
            try await fixture.expectExactlyOnce(committed: committed, rolledBack: rolledBack)
            for relay in relays.values {
                relay.signal(SIGTERM)
                #expect(try await relay.waitForExit(timeout: .seconds(10)) == 0)
            }
            await producerPool.shutdown()
        }
    }
}
