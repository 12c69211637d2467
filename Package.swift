// swift-tools-version: 6.0
import PackageDescription

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
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Calendar arithmetic shared by the Postgres client's timestamps and cron schedules.
        .target(name: "ConveyorCalendar"),

        // Their Swift clients: async APIs whose blocking calls run on threads of their own.
        .target(
            name: "ConveyorRedis",
            dependencies: [
                "CHiredis",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ConveyorPostgres",
            dependencies: [
                "CLibPQ",
                "ConveyorCalendar",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The queue engine: every state change of a job is one Lua script in Scripts/.
        .target(
            name: "ConveyorQueue",
            dependencies: ["ConveyorRedis"],
            resources: [
                .embedInCode("Scripts/prelude.lua"),
                .embedInCode("Scripts/enqueue.lua"),
                .embedInCode("Scripts/reserve.lua"),
                .embedInCode("Scripts/complete.lua"),
                .embedInCode("Scripts/fail.lua"),
                .embedInCode("Scripts/hand_back.lua"),
                .embedInCode("Scripts/heartbeat.lua"),
                .embedInCode("Scripts/promote.lua"),
                .embedInCode("Scripts/recover.lua"),
                .embedInCode("Scripts/cancel.lua"),
                .embedInCode("Scripts/retry_dead.lua"),
                .embedInCode("Scripts/discard_dead.lua"),
                .embedInCode("Scripts/defer.lua"),
            ]
        ),

        // Outbound HTTP: one async-http-client per process with timeouts, every call through
        // the circuit breaker of its host, whose state all processes share in Redis.
        .target(
            name: "ConveyorExternal",
            dependencies: [
                "ConveyorQueue",
                "ConveyorRedis",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Breakers/Scripts/prelude.lua"),
                .embedInCode("Breakers/Scripts/permit.lua"),
                .embedInCode("Breakers/Scripts/record.lua"),
            ]
        ),

        // The worker runtime: job kinds' protocol and registry, and the worker service.
        .target(
            name: "ConveyorWorker",
            dependencies: [
                "ConveyorCalendar",
                "ConveyorExternal",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The HTTP API: validates, enqueues and reports; never runs job work.
        .target(
            name: "ConveyorAPI",
            dependencies: [
                "ConveyorCaches",
                "ConveyorExternal",
                "ConveyorExports",
                "ConveyorImports",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorPostgres",
                "ConveyorWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("OpenAPI/openapi.json")]
        ),

        // Bulk imports: the dataset catalogue's model, streaming body parsers, row validation, the
        // intake that spools chunks into PostgreSQL, and the loader that batch_create jobs run.
        // The job outbox: jobs a PostgreSQL transaction enqueues, delivered after its commit.
        .target(
            name: "ConveyorOutbox",
            dependencies: [
                "ConveyorPostgres",
                "ConveyorQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .target(
            name: "ConveyorImports",
            dependencies: [
                "ConveyorExternal",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorWorker",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Metric exports: the export catalogue's model, parameter checking and rendering, the
        // runner that streams a query's CSV or JSON into a file, the export records and their
        // retention.
        .target(
            name: "ConveyorExports",
            dependencies: [
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorWorker",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Cron schedules: the expression parser, the schedule files' model, and the scheduler
        // service that enqueues each tick's job once however many schedulers run.
        .target(
            name: "ConveyorSchedules",
            dependencies: [
                "ConveyorCalendar",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorWorker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Scheduling/Scripts/record_tick.lua")]
        ),

        // Cached values: the catalogue's model, the store in Redis with its single-flight lock,
        // and the refresh that computes a value; the API serves them from Redis alone.
        .target(
            name: "ConveyorCaches",
            dependencies: ["ConveyorExternal", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorWorker"],
            resources: [
                .embedInCode("Store/Scripts/request.lua"),
                .embedInCode("Store/Scripts/write.lua"),
                .embedInCode("Store/Scripts/compare_and_delete.lua"),
            ]
        ),

        // The workload: job kinds and their catalogue (datasets, exports, schedules and cached
        // values embedded from jobs/datasets, jobs/exports, jobs/schedules and jobs/caches).
        .target(
            name: "ConveyorJobs",
            dependencies: [
                "ConveyorWorker", "ConveyorQueue", "ConveyorRedis", "ConveyorPostgres", "ConveyorImports", "ConveyorExports", "ConveyorSchedules",
                "ConveyorCaches",
            ],
            path: "jobs",
            exclude: ["migrations"],
            resources: [.embedInCode("datasets"), .embedInCode("exports"), .embedInCode("schedules"), .embedInCode("caches")]
        ),

        .executableTarget(
            name: "conveyor",
            dependencies: [
                "ConveyorAPI",
                "ConveyorOutbox",
                "ConveyorExports",
                "ConveyorRedis",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorWorker",
                "ConveyorJobs",
                "ConveyorSchedules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "conveyor-bench",
            dependencies: [
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorJobs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "ops/bench/Driver"
        ),

        .target(
            name: "ConveyorTestSupport",
            dependencies: [
                "ConveyorQueue", "ConveyorRedis", .product(name: "Logging", package: "swift-log"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/ConveyorTestSupport"
        ),
        .testTarget(name: "ConveyorQueueTests", dependencies: ["ConveyorQueue", "ConveyorRedis", "ConveyorTestSupport"]),
        .testTarget(
            name: "ConveyorWorkerTests",
            dependencies: ["ConveyorQueue", "ConveyorRedis", "ConveyorWorker", "ConveyorJobs", "ConveyorPostgres", "ConveyorTestSupport"]
        ),
        .testTarget(
            name: "ConveyorAPITests",
            dependencies: [
                "ConveyorAPI",
                "ConveyorExports",
                "ConveyorImports",
                "ConveyorJobs",
                "ConveyorWorker",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "ConveyorSchedulesTests",
            dependencies: ["ConveyorSchedules", "ConveyorJobs", "ConveyorQueue", "ConveyorRedis", "ConveyorWorker", "ConveyorTestSupport"]
        ),
        .testTarget(
            name: "ConveyorExternalTests",
            dependencies: [
                "ConveyorExternal",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConveyorExportsTests",
            dependencies: [
                "ConveyorExports",
                "ConveyorJobs",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorWorker",
                "ConveyorTestSupport",
            ]
        ),
        .testTarget(
            name: "ConveyorCachesTests",
            dependencies: [
                "ConveyorCaches", "ConveyorExternal", "ConveyorJobs", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis", "ConveyorWorker",
                "ConveyorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "ConveyorRedisTests", dependencies: ["ConveyorRedis", "ConveyorTestSupport"]),
        .testTarget(name: "ConveyorPostgresTests", dependencies: ["ConveyorPostgres", "ConveyorTestSupport"]),
        .testTarget(
            name: "ConveyorImportsTests",
            dependencies: [
                "ConveyorImports",
                "ConveyorJobs",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorWorker",
                "ConveyorTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
