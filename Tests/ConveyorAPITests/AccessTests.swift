@testable import ConveyorAPI
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("API keys and roles")
struct AccessTests {
    @Test("no key, a wrong key or another scheme is a 401 problem with WWW-Authenticate")
    func unauthorized() async throws {
        try await APITestApp.run { client, _ in
            let missing = try await client.post("/v1/jobs", json: #"{"kind": "noop"}"#, as: nil)
            try missing.expectProblem(.unauthorized, type: "unauthorized", naming: "send an API key as 'Authorization: Bearer <key>'")
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="conveyor""#)

            let wrong = try await client.send("/v1/jobs/default.01J00000000000000000000000", method: .get, headers: [.authorization: "Bearer not-a-key-0123456789"], as: nil)
            try wrong.expectProblem(.unauthorized, type: "unauthorized", naming: "the API key is not valid")
            #expect(wrong.headers[.wwwAuthenticate] == #"Bearer realm="conveyor", error="invalid_token""#)

            let basic = try await client.send("/v1/queues", method: .get, headers: [.authorization: "Basic YWRtaW46YWRtaW4="], as: nil)
            try basic.expectProblem(.unauthorized, type: "unauthorized", naming: "must be 'Bearer <key>'")
        }
    }

    @Test("the Bearer scheme is case-insensitive")
    func schemeCase() async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.send("/v1/queues", method: .get, headers: [.authorization: "bearer \(TestKey.admin.secret)"], as: nil)
            #expect(response.status == .ok)
        }
    }

    @Test(
        "a producer key on an admin route is a 403 problem naming the key and the role needed",
        arguments: [
            (HTTPRequest.Method.get, "/v1/queues"), (.post, "/v1/queues/default/pause"), (.post, "/v1/queues/default/resume"),
            (.get, "/v1/workers"), (.get, "/v1/dead"), (.post, "/v1/jobs/default.01J00000000000000000000000/retry"),
        ]
    )
    func forbidden(method: HTTPRequest.Method, path: String) async throws {
        try await APITestApp.run { client, _ in
            let response = try await client.send(path, method: method, as: .producerA)
            try response.expectProblem(.forbidden, type: "forbidden", naming: "needs an admin key; key 'producer-a' is a producer key")
        }
    }

    @Test("/health, /ready and /openapi.json need no key")
    func openRoutes() async throws {
        try await APITestApp.run { client, _ in
            for path in ["/health", "/ready", "/openapi.json"] {
                let status = try await client.get(path, as: nil).status
                #expect(status == .ok, "\(path)")
            }
        }
    }

    @Test("a key file: comments, blank lines, ';'-separated entries; each mistake named by line")
    func keyFiles() throws {
        let keyring = try APIKeyring(
            parsing: """
                # name  role      tenant  secret
                app     producer  acme    app-secret-0123456789

                ops admin acme ops-secret-0123456789 ; ci producer beta ci-secret-0123456789  # inline
                """,
            source: "keys.txt"
        )
        #expect(keyring.keys.map(\.name) == ["app", "ops", "ci"])
        #expect(keyring.authenticate("ops-secret-0123456789")?.role == .admin)
        #expect(keyring.authenticate("ci-secret-0123456789")?.tenant == "beta")
        #expect(keyring.authenticate("ci-secret-012345678") == nil)

        let mistakes: [(String, String)] = [
            ("app producer acme", "keys.txt, line 1: expected 'name role tenant secret', found 3 fields"),
            ("\napp owner acme app-secret-0123456789", "keys.txt, line 2: role 'owner' should be producer or admin"),
            ("app producer a/b app-secret-0123456789", "keys.txt, line 1: tenant 'a/b' should be 1 to 64 letters"),
            ("app producer acme short", "keys.txt, line 1: the secret of key 'app' should be 16 to 256 characters"),
            ("a producer x same-secret-0123456789;b admin y same-secret-0123456789", "keys.txt: key 'b' has the secret of another key"),
            ("a producer x one-secret-0123456789\na admin y two-secret-0123456789", "keys.txt: two keys are named 'a'"),
        ]
        for (text, message) in mistakes {
            #expect {
                try APIKeyring(parsing: text, source: "keys.txt")
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test("the secret is never in the API's log; the key's name is")
    func secretNotLogged() async throws {
        let (api, port) = try await APIProcessTests.startAPI(["--log-level", "debug"])
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        _ = try await client.send("/v1/queues", method: .get, as: .admin)
        _ = try await client.send("/v1/jobs/nope", method: .get, headers: [.authorization: "Bearer guessed-secret-0123456789"], as: nil)
        try await client.shutdown()
        api.signal(SIGTERM)
        _ = try await api.waitForExit(timeout: .seconds(15))
        #expect(api.output.contains("admin (admin, tenant ops)"))
        for key in TestKey.allCases { #expect(!api.output.contains(key.secret)) }
        #expect(!api.output.contains("guessed-secret"))
    }
}
