// swift-tools-version: 6.1
import PackageDescription

// The products of other packages that targets use, by the name a target lists them with.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTesting: Target.Dependency = .product(name: "HummingbirdTesting", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let nioConcurrencyHelpers: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioHTTPTypes: Target.Dependency = .product(name: "NIOHTTPTypes", package: "swift-nio-extras")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let otel: Target.Dependency = .product(name: "OTel", package: "swift-otel")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let tracing: Target.Dependency = .product(name: "Tracing", package: "swift-distributed-tracing")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "conveyor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "conveyor", targets: ["conveyor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter's packages are left out of the build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // What every layer shares: timestamps, JSON values, ids, the civil calendar, stable
        // hashes, and the errors of catalogue files and of jobs that no attempt can fix now.
        .target(name: "ConveyorCore", dependencies: [crypto]),

        // What a process tells its operator: swift-metrics bootstrapped onto swift-prometheus
        // with each family's help text, the process figures, the `/metrics` and `/health`
        // server of workers and schedulers, and OpenTelemetry tracing when OTEL_* asks for it.
        .target(
            name: "ConveyorTelemetry",
            dependencies: ["ConveyorCore", hummingbird, logging, metrics, otel, prometheus, serviceLifecycle, tracing]
        ),

        // The clients of Redis and PostgreSQL: async APIs whose blocking calls run on threads
        // of their own; TLS to Redis over OpenSSL, with hiredis's reader parsing the replies.
        .target(
            name: "ConveyorRedis",
            dependencies: ["CHiredis", "COpenSSL", "ConveyorCore", crypto, nioConcurrencyHelpers, nioCore, nioPosix, logging]
        ),
        .target(
            name: "ConveyorPostgres",
            dependencies: ["CLibPQ", "ConveyorCore", nioCore, nioPosix, logging, metrics]
        ),

        // The queue engine: every state change of a job is one Lua script in Scripts/, and the
        // reads across queues (overview, dead jobs) are beside them.
        .target(
            name: "ConveyorQueue",
            dependencies: ["ConveyorCore", "ConveyorRedis", crypto, tracing],
            resources: [.embedInCode("Scripts")]
        ),

        // Outbound HTTP: one async-http-client per process with timeouts, every call through
        // the circuit breaker of its host, whose state all processes share in Redis.
        .target(
            name: "ConveyorExternal",
            dependencies: ["ConveyorCore", "ConveyorRedis", asyncHTTPClient, crypto, metrics, nioCore, nioHTTP1, nioPosix, tracing],
            resources: [.embedInCode("Breakers/Scripts")]
        ),

        // The worker runtime: job kinds' protocol and registry, the worker service, the job
        // history and fences (tables in Migrations/).
        .target(
            name: "ConveyorWorker",
            dependencies: [
                "ConveyorCore", "ConveyorExternal", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", logging, metrics,
                serviceLifecycle, tracing,
            ],
            resources: [
                .embedInCode("Migrations/0002_job_history.sql"),
                .embedInCode("Migrations/0005_job_history_finished_brin.sql"),
                .embedInCode("Migrations/0008_job_fences.sql"),
                .embedInCode("Migrations/0011_job_history_request_id.sql"),
                .embedInCode("Migrations/0014_job_history_phases.sql"),
            ]
        ),

        // The job outboxes: jobs a PostgreSQL transaction enqueues, the system's own and those
        // applications insert with SQL, delivered after its commit by one relay.
        .target(
            name: "ConveyorOutbox",
            dependencies: ["ConveyorCore", "ConveyorPostgres", "ConveyorQueue", logging, metrics, serviceLifecycle],
            resources: [
                .embedInCode("Migrations/0007_job_outbox.sql"),
                .embedInCode("Migrations/0015_outbox.sql"),
                .embedInCode("Migrations/0016_job_outbox_batches.sql"),
                .embedInCode("Migrations/0017_outbox_job_options.sql"),
            ]
        ),

        // Bulk imports: the dataset catalogue's model, streaming body parsers, row validation,
        // the intake that spools chunks into PostgreSQL, and the loader that batch_create jobs run.
        .target(
            name: "ConveyorImports",
            dependencies: [
                "ConveyorCore", "ConveyorExternal", "ConveyorOutbox", "ConveyorPostgres", "ConveyorQueue", nioCore, nioPosix,
                logging,
            ],
            resources: [
                .embedInCode("Migrations/0001_imports.sql"),
                .embedInCode("Migrations/0004_import_callbacks.sql"),
                .embedInCode("Migrations/0012_imports_accepted.sql"),
            ]
        ),

        // Metric exports: the export catalogue's model, parameter checking and rendering, the
        // runner that streams a query's CSV or JSON into a file, the stores of the files (a
        // folder, or PostgreSQL), the records and their retention.
        .target(
            name: "ConveyorExports",
            dependencies: ["ConveyorCore", "ConveyorOutbox", "ConveyorPostgres", "ConveyorQueue", crypto, logging, nioPosix],
            resources: [
                .embedInCode("Migrations/0003_exports.sql"),
                .embedInCode("Migrations/0009_export_files.sql"),
                .embedInCode("Migrations/0010_export_chunks_lz4.sql"),
                .embedInCode("Migrations/0013_exports_requested.sql"),
            ]
        ),

        // Cron schedules: the expression parser, the schedule files' model, and the scheduler
        // service that enqueues each tick's job once however many schedulers run.
        .target(
            name: "ConveyorSchedules",
            dependencies: ["ConveyorCore", "ConveyorQueue", "ConveyorRedis", "ConveyorWorker", logging, metrics, serviceLifecycle],
            resources: [.embedInCode("Scheduling/Scripts")]
        ),

        // Cached values: the catalogue's model, the store in Redis with its single-flight lock,
        // and the refresh that computes a value; the API serves them from Redis alone.
        .target(
            name: "ConveyorCaches",
            dependencies: ["ConveyorCore", "ConveyorExternal", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis"],
            resources: [.embedInCode("Store/Scripts")]
        ),

        // The HTTP API: validates, enqueues and reports; never runs job work. It also serves
        // the operator's dashboard at /ui, whose style sheet and script are embedded.
        .target(
            name: "ConveyorAPI",
            dependencies: [
                "ConveyorCaches", "ConveyorCore", "ConveyorExports", "ConveyorExternal", "ConveyorImports", "ConveyorPostgres",
                "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorTelemetry", "ConveyorWorker", crypto, hummingbird, hummingbirdCore,
                httpTypes, nioCore, nioHTTPTypes, logging, prometheus, serviceLifecycle, tracing,
            ],
            resources: [.embedInCode("OpenAPI/openapi.json"), .embedInCode("Dashboard/Assets")]
        ),

        // The workload: every job kind (jobs/Kinds) and the catalogue embedded from
        // jobs/datasets, jobs/exports, jobs/schedules, jobs/caches and jobs/migrations.
        .target(
            name: "ConveyorJobs",
            dependencies: [
                "ConveyorCaches", "ConveyorCore", "ConveyorExports", "ConveyorExternal", "ConveyorImports", "ConveyorOutbox",
                "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorWorker",
            ],
            path: "jobs",
            resources: [
                .embedInCode("datasets"), .embedInCode("exports"), .embedInCode("schedules"), .embedInCode("caches"), .embedInCode("migrations"),
            ]
        ),

        .executableTarget(
            name: "conveyor",
            dependencies: [
                "ConveyorAPI", "ConveyorCore", "ConveyorExports", "ConveyorExternal", "ConveyorImports", "ConveyorJobs",
                "ConveyorOutbox", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorTelemetry",
                "ConveyorWorker", argumentParser, asyncHTTPClient, logging, nioCore, nioHTTP1, nioPosix, serviceLifecycle, unixSignals,
            ]
        ),

        .executableTarget(
            name: "conveyor-bench",
            dependencies: [
                "ConveyorCore", "ConveyorJobs", "ConveyorQueue", "ConveyorRedis", argumentParser, crypto, logging, nioCore, nioHTTP1,
                nioPosix,
            ],
            path: "ops/bench/Driver"
        ),

        .target(
            name: "ConveyorTestSupport",
            dependencies: ["ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", logging, nioPosix],
            path: "Tests/ConveyorTestSupport"
        ),
        .testTarget(name: "ConveyorCoreTests", dependencies: ["ConveyorCore"]),
        .testTarget(name: "ConveyorTelemetryTests", dependencies: ["ConveyorTelemetry", hummingbird, hummingbirdTesting, logging, metrics]),
        .testTarget(
            name: "ConveyorRedisTests",
            dependencies: ["ConveyorRedis", "ConveyorTestSupport", logging]
        ),
        .testTarget(
            name: "ConveyorPostgresTests",
            dependencies: ["ConveyorPostgres", "ConveyorTestSupport", logging]
        ),
        .testTarget(name: "ConveyorQueueTests", dependencies: ["ConveyorCore", "ConveyorQueue", "ConveyorRedis", "ConveyorTestSupport", logging]),
        .testTarget(
            name: "ConveyorExternalTests",
            dependencies: [
                "ConveyorCore", "ConveyorExternal", "ConveyorRedis", "ConveyorTestSupport", hummingbird, hummingbirdTesting,
            ]
        ),
        .testTarget(
            name: "ConveyorWorkerTests",
            dependencies: [
                "ConveyorCore", "ConveyorJobs", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorTestSupport",
                "ConveyorWorker", logging,
            ]
        ),
        .testTarget(
            name: "ConveyorImportsTests",
            dependencies: [
                "ConveyorCore", "ConveyorExternal", "ConveyorImports", "ConveyorJobs", "ConveyorOutbox", "ConveyorPostgres",
                "ConveyorQueue", "ConveyorRedis", "ConveyorTestSupport", "ConveyorWorker", hummingbird, hummingbirdTesting,
                logging, nioCore,
            ]
        ),
        .testTarget(
            name: "ConveyorOutboxTests",
            dependencies: [
                "ConveyorCore", "ConveyorJobs", "ConveyorOutbox", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis",
                "ConveyorTestSupport", "ConveyorWorker", logging,
            ]
        ),
        .testTarget(
            name: "ConveyorExportsTests",
            dependencies: [
                "ConveyorCore", "ConveyorExports", "ConveyorJobs", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis",
                "ConveyorTestSupport", "ConveyorWorker", logging,
            ]
        ),
        .testTarget(
            name: "ConveyorSchedulesTests",
            dependencies: [
                "ConveyorCore", "ConveyorJobs", "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorTestSupport",
                "ConveyorWorker",
            ]
        ),
        .testTarget(
            name: "ConveyorCachesTests",
            dependencies: [
                "ConveyorCaches", "ConveyorCore", "ConveyorExternal", "ConveyorJobs", "ConveyorPostgres", "ConveyorQueue",
                "ConveyorRedis", "ConveyorTestSupport", "ConveyorWorker", hummingbird, hummingbirdTesting, logging,
            ]
        ),
        .testTarget(
            name: "ConveyorAPITests",
            dependencies: [
                "ConveyorAPI", "ConveyorCore", "ConveyorExports", "ConveyorExternal", "ConveyorImports", "ConveyorJobs",
                "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorTestSupport", "ConveyorWorker", hummingbird,
                crypto, hummingbirdTesting, httpTypes, logging, nioCore,
            ]
        ),
    ]
)

// Every Swift target is compiled with the upcoming features the language is moving to: an
// import is internal unless a file says otherwise, a member is visible only through an
// import of the module that declares it, and an existential is spelled `any`.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("ExistentialAny"),
    ]
}
