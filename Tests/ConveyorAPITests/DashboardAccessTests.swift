@testable import ConveyorAPI
import ConveyorPostgres
import ConveyorQueue
import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@Suite("The dashboard: sign-in, sessions, CSRF and roles")
struct DashboardAccessTests {
    @Test("a wrong key is a 401 page that says only that the key is not valid")
    func wrongKey() async throws {
        try await APITestApp.run { client, _ in
            for key in ["not-a-key-0123456789", TestKey.admin.secret + "x", "", "secret-of-admin"] {
                let response = try await client.signIn(secret: key)
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("That API key is not valid."))
                #expect(response.headers[.setCookie] == nil)
            }
        }
    }

    @Test("a good key becomes an HttpOnly, SameSite=Strict cookie for /ui, Secure over TLS, without the key")
    func cookie() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.signIn(secret: TestKey.admin.secret)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/ui")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("conveyor_session=admin."))
            #expect(cookie.contains("; Max-Age=43200; Path=/ui; HttpOnly; SameSite=Strict"))
            #expect(!cookie.contains("Secure"))
            #expect(!cookie.contains(TestKey.admin.secret))

            let behindTLS = try await client.signIn(secret: TestKey.admin.secret, headers: [.forwardedProto: "https"])
            #expect(behindTLS.headers[.setCookie]?.hasSuffix("; Secure") == true)
        }
    }

    @Test("no cookie goes to sign-in; a tampered cookie, or one of a key the API no longer has, signs out")
    func signedOut() async throws {
        try await APITestApp.run { client, _ in
            let none = try await client.execute(uri: "/ui/queues", method: .get)
            #expect(none.status == .seeOther)
            #expect(none.headers[.location] == "/ui/sign-in")

            let cookie = try await client.session(.admin)
            let tampered = cookie.replacingOccurrences(of: "conveyor_session=admin.", with: "conveyor_session=producer-a.")
            let expired = "conveyor_session=admin.1000.2000." + String(repeating: "0", count: 64)
            for value in [tampered, expired, "conveyor_session=garbage"] {
                let response = try await client.page("/ui/queues", cookie: value)
                #expect(response.status == .seeOther, "\(value)")
                #expect(response.headers[.location] == "/ui/sign-in?ended=1")
                #expect(response.headers[.setCookie]?.hasPrefix("conveyor_session=; Max-Age=0") == true)
            }
        }
        // A key taken out of the keyring: another API with the same secret and without the key.
        var configuration = APITestApp.configuration()
        configuration.dashboard = DashboardConfiguration(secret: "0123456789abcdef0123456789abcdef")
        let gate = DashboardGate(keyring: configuration.keyring, configuration: configuration.dashboard)
        let cookie = "conveyor_session=" + gate.signIn(TestKey.keyring.keys.first { $0.name == "admin" }!).cookie
        #expect(try await APITestApp.runPage("/ui", cookie: cookie, configuration: configuration).status == .ok)
        configuration.keyring = try APIKeyring(keys: configuration.keyring.keys.filter { $0.name != "admin" })
        let removed = try await APITestApp.runPage("/ui", cookie: cookie, configuration: configuration)
        #expect(removed.status == .seeOther)
        #expect(removed.headers[.location] == "/ui/sign-in?ended=1")
    }

    @Test("a form without the session's CSRF token is a 403 page that says so, and changes nothing")
    func csrf() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-csrf")
        try await APITestApp.run { client, services in
            _ = try await client.enqueue(in: queue)
            let cookie = try await client.session(.admin)
            let otherToken = try await client.csrfToken(cookie: try await client.session(.admin, issuedAfter: cookie))
            for body in ["", "csrf=", "csrf=\(otherToken)", "csrf=\(String(repeating: "a", count: 64))"] {
                let response = try await client.page("/ui/queues/\(queue)/pause", method: .post, cookie: cookie, form: body)
                #expect(response.status == .forbidden, "\(body)")
                #expect(response.text.contains("the form&#39;s security token was missing or did not match: reload the page and try again"))
            }
            #expect(try await services.queue.statistics(of: queue).paused == false)

            let token = try await client.csrfToken(cookie: cookie)
            let paused = try await client.page("/ui/queues/\(queue)/pause", method: .post, cookie: cookie, form: "csrf=\(token)")
            #expect(paused.status == .seeOther)
            #expect(try await services.queue.statistics(of: queue).paused == true)
            let resumed = try await client.page("/ui/queues/\(queue)/resume", method: .post, cookie: cookie, form: "csrf=\(token)")
            #expect(resumed.status == .seeOther)
            #expect(try await services.queue.statistics(of: queue).paused == false)

            let signOut = try await client.page("/ui/sign-out", method: .post, cookie: cookie, form: "")
            #expect(signOut.status == .forbidden, "signing out is a form too")
            let signedOut = try await client.page("/ui/sign-out", method: .post, cookie: cookie, form: "csrf=\(token)")
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.headers[.setCookie]?.hasPrefix("conveyor_session=; Max-Age=0") == true)
        }
    }

    @Test("a producer reaches no admin page or action, by URL or by form: 403")
    func producerIsNotAdmin() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-roles")
        try await APITestApp.run { client, services in
            let dead = try await TestJobs.dead(in: queue, tenant: TestKey.producerA.tenant, through: services.queue)
            let cookie = try await client.session(.producerA)
            let token = try await client.csrfToken(cookie: cookie)
            for path in ["/ui/queues", "/ui/dead", "/ui/dead?queue=\(queue)", "/ui/workers", "/ui/breakers", "/ui/dead/confirm?action=retry&queue=\(queue)", "/ui/events?view=queues"] {
                let response = try await client.page(path, cookie: cookie)
                #expect(response.status == .forbidden, "\(path)")
                #expect(response.text.contains("needs an admin key; key &#39;producer-a&#39; is a producer key"), "\(path)")
            }
            for (path, form) in [
                ("/ui/queues/\(queue)/pause", "csrf=\(token)"), ("/ui/queues/\(queue)/resume", "csrf=\(token)"),
                ("/ui/dead/retry", "csrf=\(token)&id=\(dead)"), ("/ui/dead/discard", "csrf=\(token)&id=\(dead)"),
                ("/ui/dead/retry", "csrf=\(token)&all=1&queue=\(queue)"),
            ] {
                let response = try await client.page(path, method: .post, cookie: cookie, form: form)
                #expect(response.status == .forbidden, "\(path) \(form)")
            }
            let statistics = try await services.queue.statistics(of: queue)
            #expect(statistics.dead == 1 && statistics.paused == false)
            // Its own job it sees, without the admin's buttons.
            let own = try await client.page("/ui/jobs/\(dead)", cookie: cookie)
            #expect(own.status == .ok)
            #expect(own.text.contains("boom") && !own.text.contains("/ui/dead/retry"))
        }
    }

    @Test("another tenant's job is not found, exactly as one that does not exist; an admin sees every tenant's and retries")
    func tenants() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-tenants")
        try await APITestApp.run { client, services in
            let dead = try await TestJobs.dead(in: queue, tenant: TestKey.producerA.tenant, through: services.queue)
            let other = try await client.session(.producerB)
            let hidden = try await client.page("/ui/jobs/\(dead)", cookie: other)
            let missing = try await client.page("/ui/jobs/\(queue).01J00000000000000000000000", cookie: other)
            #expect(hidden.status == .notFound && missing.status == .notFound)
            #expect(!hidden.text.contains("tenant-a") && !hidden.text.contains("boom"))
            #expect(try await client.page("/ui/events?job=\(dead)", cookie: other).status == .notFound)

            let admin = try await client.session(.admin)
            let page = try await client.page("/ui/dead?queue=\(queue)", cookie: admin)
            #expect(page.status == .ok && page.text.contains(dead.description))
            let token = try await client.csrfToken(cookie: admin)
            let retried = try await client.page("/ui/dead/retry", method: .post, cookie: admin, form: "csrf=\(token)&id=\(dead)&queue=\(queue)")
            #expect(retried.status == .seeOther)
            #expect(retried.headers[.location] == "/ui/dead?queue=\(queue)&done=1")
            let statistics = try await services.queue.statistics(of: queue)
            #expect(statistics.dead == 0 && statistics.depth == 1)
        }
    }

    @Test("retry all and discard all act on every dead job of the queue and kind chosen, after a confirmation page")
    func bulk() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-bulk")
        try await APITestApp.run { client, services in
            for _ in 0..<3 { _ = try await TestJobs.dead(in: queue, tenant: "tenant-a", through: services.queue) }
            let admin = try await client.session(.admin)
            let confirm = try await client.page("/ui/dead/confirm?action=discard&queue=\(queue)", cookie: admin)
            #expect(confirm.status == .ok && confirm.text.contains("all 3 dead jobs of queue"))
            let token = try await client.csrfToken(cookie: admin)
            let wrongKind = try await client.page("/ui/dead/discard", method: .post, cookie: admin, form: "csrf=\(token)&all=1&queue=\(queue)&kind=resize")
            #expect(wrongKind.headers[.location]?.hasSuffix("done=0") == true)
            let done = try await client.page("/ui/dead/discard", method: .post, cookie: admin, form: "csrf=\(token)&all=1&queue=\(queue)&kind=noop")
            #expect(done.headers[.location] == "/ui/dead?queue=\(queue)&kind=noop&done=3")
            #expect(try await services.queue.statistics(of: queue).dead == 0)
            let everyQueue = try await client.page("/ui/dead?kind=noop", cookie: admin)
            #expect(everyQueue.status == .badRequest && everyQueue.text.contains("within one queue"))
        }
    }

    @Test("recent attempts are searched by kind, queue and state within a tenant: an admin's choice, a producer's own")
    func recentAttempts() async throws {
        let tenant = "t-history-\(UInt64.random(in: 0 ... .max))"
        try await APITestApp.run { client, services in
            try await services.database.withConnection { connection in
                for (number, (kind, state)) in [("noop", "succeeded"), ("drill.fail", "dead"), ("drill.fail", "retrying")].enumerated() {
                    _ = try await connection.execute(
                        """
                        INSERT INTO conveyor_job_history (job_id, attempt, kind, queue, tenant, outcome, state, wait_ms, run_ms, finished_at)
                        VALUES ($1, 1, $2, 'default', $3, 'failed', $4, 1, 2, now())
                        """,
                        ["default.01J0000000000000000000000\(number)", kind, tenant, state]
                    )
                }
            }
            let admin = try await client.session(.admin)
            let dead = try await client.page("/ui/jobs?tenant=\(tenant)&kind=drill.fail&state=dead", cookie: admin)
            #expect(dead.status == .ok && dead.text.contains("default.01J00000000000000000000001"))
            #expect(!dead.text.contains("default.01J00000000000000000000000") && !dead.text.contains("default.01J00000000000000000000002"))
            let all = try await client.page("/ui/jobs?tenant=\(tenant)", cookie: admin)
            #expect(all.text.components(separatedBy: "<tr><td><a href=\"/ui/jobs/default.01J").count == 4)
            #expect(try await client.page("/ui/jobs?state=lost", cookie: admin).status == .badRequest)

            let producer = try await client.session(.producerA)
            let own = try await client.page("/ui/jobs?tenant=\(tenant)", cookie: producer)
            #expect(own.status == .ok && !own.text.contains("default.01J0000000000000000000000") && !own.text.contains("name=\"tenant\""))
            try await services.database.withConnection { connection in
                _ = try await connection.execute("DELETE FROM conveyor_job_history WHERE tenant = $1", [tenant])
            }
        }
    }

    @Test("cached values are shown and refreshed by form; schedules are listed, and an admin alone enqueues one now")
    func cachesAndSchedules() async throws {
        try await APITestApp.run { client, services in
            let producer = try await client.session(.producerA)
            let list = try await client.page("/ui/caches", cookie: producer)
            #expect(list.status == .ok && list.text.contains("/ui/caches/dashboard/refresh"))
            #expect(try await client.page("/ui/caches/dashboard/refresh", method: .post, cookie: producer, form: "").status == .forbidden)
            let token = try await client.csrfToken(cookie: producer)
            let refresh = try await client.page("/ui/caches/dashboard/refresh", method: .post, cookie: producer, form: "csrf=\(token)")
            #expect(refresh.status == .seeOther)
            let job = try #require(refresh.headers[.location]?.replacingOccurrences(of: "/ui/jobs/", with: ""))
            #expect(try await services.queue.job(try JobID(job))?.tenant == TestKey.producerA.tenant)
            let value = try await client.page("/ui/caches/dashboard/value", method: .post, cookie: producer, form: "csrf=\(token)")
            // Another test's worker may have computed the tenant's value in the last five minutes.
            #expect(value.status == .ok && (value.text.contains(job) || value.text.contains("<th>Age</th>")), "the value or its refresh job")

            let schedules = try await client.page("/ui/schedules", cookie: producer)
            #expect(schedules.status == .ok && !schedules.text.contains("/enqueue\""))
            #expect(!schedules.text.contains("retention-sweep"), "a schedule of another tenant")
            let refused = try await client.page("/ui/schedules/retention-sweep/enqueue", method: .post, cookie: producer, form: "csrf=\(token)")
            #expect(refused.status == .forbidden)

            let admin = try await client.session(.admin)
            let adminToken = try await client.csrfToken(cookie: admin)
            #expect(try await client.page("/ui/schedules", cookie: admin).text.contains("/ui/schedules/dashboard-refresh/enqueue"))
            let enqueued = try await client.page("/ui/schedules/dashboard-refresh/enqueue", method: .post, cookie: admin, form: "csrf=\(adminToken)")
            let id = try #require(enqueued.headers[.location]?.replacingOccurrences(of: "/ui/jobs/", with: ""))
            let record = try #require(try await services.queue.job(try JobID(id)))
            #expect(record.kind == "cache_refresh" && record.requestID.hasPrefix("schedule:dashboard-refresh:"))
            _ = try await services.queue.cancel(record.id)
        }
    }

    @Test("a job's live figures end with the job; the pages render for an admin")
    func pages() async throws {
        let queue = TestEnvironment.uniqueQueue("ui-pages")
        try await APITestApp.run { client, services in
            let dead = try await TestJobs.dead(in: queue, tenant: "tenant-a", through: services.queue)
            let admin = try await client.session(.admin)
            for path in ["/ui", "/ui/queues", "/ui/jobs", "/ui/dead", "/ui/workers", "/ui/breakers", "/ui/jobs/\(dead)", "/ui/imports", "/ui/exports", "/ui/caches", "/ui/schedules"] {
                let response = try await client.page(path, cookie: admin)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            let events = try await client.page("/ui/events?job=\(dead)", cookie: admin)
            #expect(events.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(events.text.contains(#""job.state":"dead""#) && events.text.hasSuffix("event: done\ndata: {}\n\n"))
            let nowhere = try await client.page("/ui/no/such/page", cookie: admin)
            #expect(nowhere.status == .notFound && nowhere.headers[.contentType] == "text/html; charset=utf-8")
            let lookup = try await client.page("/ui/jobs?id=\(dead)", cookie: admin)
            #expect(lookup.headers[.location] == "/ui/jobs/\(dead)")
        }
    }
}

extension APITestApp {
    /// GETs one dashboard page with `cookie` from an API with `configuration`.
    static func runPage(_ path: String, cookie: String, configuration: APIConfiguration) async throws -> TestResponse {
        let response = Mutex<TestResponse?>(nil)
        try await run(configuration: configuration) { client, _ in
            let page = try await client.page(path, cookie: cookie)
            response.withLock { $0 = page }
        }
        return try #require(response.withLock { $0 })
    }
}

extension TestClientProtocol {
    func signIn(secret: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = "key=" + (secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return try await execute(uri: "/ui/sign-in", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// The `Cookie` header of a new session of `key`; of one that began after `earlier`'s
    /// second, when given, so that the two differ.
    func session(_ key: TestKey, issuedAfter earlier: String? = nil) async throws -> String {
        if earlier != nil { try await Task.sleep(for: .milliseconds(1100)) }
        let response = try await signIn(secret: key.secret)
        let cookie = try #require(response.headers[.setCookie])
        return String(cookie.prefix { $0 != ";" })
    }

    /// The CSRF token in the forms of the session's overview.
    func csrfToken(cookie: String) async throws -> String {
        let page = try await self.page("/ui", cookie: cookie).text
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix(64))
    }

    func page(_ path: String, method: HTTPRequest.Method = .get, cookie: String, form: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.cookie: cookie]
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await execute(uri: path, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
