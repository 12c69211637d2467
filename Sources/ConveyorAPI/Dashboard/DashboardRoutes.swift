import Hummingbird

/// The dashboard at `/ui`: server-rendered pages over the same reads and operations as the
/// JSON API, signed-in with an API key. Its routes answer in HTML (errors included, through
/// ``DashboardErrorMiddleware``) and are not part of the OpenAPI document.
struct DashboardRoutes: Sendable {
    let gate: DashboardGate
    let services: APIServices
    /// The API's export endpoints, which serve the dashboard's export pages and downloads.
    let exports: ExportsController

    init(configuration: APIConfiguration, services: APIServices, exports: ExportsController) {
        gate = DashboardGate(keyring: configuration.keyring, configuration: configuration.dashboard)
        self.services = services
        self.exports = exports
    }

    func add(to router: Router<APIRequestContext>) {
        let routes = router.group("ui").add(middleware: DashboardErrorMiddleware())
        let history = DashboardHistory(redis: services.redis)
        DashboardAssets().add(to: routes)
        DashboardSignIn(gate: gate).add(to: routes)
        DashboardOperations(gate: gate, services: services, history: history).add(to: routes)
        DashboardJobs(gate: gate, services: services).add(to: routes)
        DashboardScheduledJobs(gate: gate, services: services).add(to: routes)
        DashboardRecords(gate: gate, services: services, exports: exports).add(to: routes)
        DashboardCaches(gate: gate, services: services).add(to: routes)
        DashboardSchedules(gate: gate, services: services).add(to: routes)
        // Any other page under /ui is a page that says so, not the API's JSON problem.
        routes.get("**") { _, _ -> Response in throw DashboardError.notFound("there is no such page: the navigation above lists them") }
        DashboardEvents(gate: gate, services: services, history: history).add(to: routes)
    }
}
