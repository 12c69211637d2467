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

        // What every layer shares: timestamps, JSON values, ids, the civil calendar, stable
        // hashes, and the errors of catalogue files and of jobs that no attempt can fix now.
        .target(name: "ConveyorCore"),

        // The clients of Redis and PostgreSQL: async APIs whose blocking calls run on threads
        // of their own.
        .target(
            name: "ConveyorRedis",
            dependencies: [
                "CHiredis",
                "ConveyorCore",
                .product(name: "Crypto", package: "swift-crypto"),
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
                "ConveyorCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The queue engine: every state change of a job is one Lua script in Scripts/, and the
        // reads across queues (overview, dead jobs) are beside them.
        .target(
            name: "ConveyorQueue",
            dependencies: ["ConveyorCore", "ConveyorRedis"],
            resources: [.embedInCode("Scripts")]
        ),

        // Outbound HTTP: one async-http-client per process with timeouts, every call through
        // the circuit breaker of its host, whose state all processes share in Redis.
        .target(
            name: "ConveyorExternal",
            dependencies: [
                "ConveyorCore",
                "ConveyorRedis",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Breakers/Scripts")]
        ),

        // The worker runtime: job kinds' protocol and registry, the worker service, the job
        // history and fences (tables in Migrations/).
        .target(
            name: "ConveyorWorker",
            dependencies: [
                "ConveyorCore",
                "ConveyorExternal",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("Migrations/0002_job_history.sql"),
                .embedInCode("Migrations/0005_job_history_finished_brin.sql"),
                .embedInCode("Migrations/0008_job_fences.sql"),
            ]
        ),

        // The job outbox: jobs a PostgreSQL transaction enqueues, delivered after its commit.
        .target(
            name: "ConveyorOutbox",
            dependencies: [
                "ConveyorCore",
                "ConveyorPostgres",
                "ConveyorQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("Migrations/0007_job_outbox.sql"),
            ]
        ),

        // Bulk imports: the dataset catalogue's model, streaming body parsers, row validation,
        // the intake that spools chunks into PostgreSQL, and the loader that batch_create jobs run.
        .target(
            name: "ConveyorImports",
            dependencies: [
                "ConveyorCore",
                "ConveyorExternal",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Migrations/0001_imports.sql"),
                .embedInCode("Migrations/0004_import_callbacks.sql"),
            ]
        ),

        // Metric exports: the export catalogue's model, parameter checking and rendering, the
        // runner that streams a query's CSV or JSON into a file, the records and their retention.
        .target(
            name: "ConveyorExports",
            dependencies: [
                "ConveyorCore",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [
                .embedInCode("Migrations/0003_exports.sql"),
            ]
        ),

        // Cron schedules: the expression parser, the schedule files' model, and the scheduler
        // service that enqueues each tick's job once however many schedulers run.
        .target(
            name: "ConveyorSchedules",
            dependencies: [
                "ConveyorCore",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorWorker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Scheduling/Scripts")]
        ),

        // Cached values: the catalogue's model, the store in Redis with its single-flight lock,
        // and the refresh that computes a value; the API serves them from Redis alone.
        .target(
            name: "ConveyorCaches",
            dependencies: ["ConveyorCore", "ConveyorExternal", "ConveyorPostgres", "ConveyorQueue", "ConveyorRedis"],
            resources: [.embedInCode("Store/Scripts")]
        ),

        // The HTTP API: validates, enqueues and reports; never runs job work.
        .target(
            name: "ConveyorAPI",
            dependencies: [
                "ConveyorCaches",
                "ConveyorCore",
                "ConveyorExports",
                "ConveyorExternal",
                "ConveyorImports",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorWorker",
                .product(name: "Crypto", package: "swift-crypto"),
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

        // The workload: every job kind (jobs/Kinds) and the catalogue embedded from
        // jobs/datasets, jobs/exports, jobs/schedules, jobs/caches and jobs/migrations.
        .target(
            name: "ConveyorJobs",
            dependencies: [
                "ConveyorCaches",
                "ConveyorCore",
                "ConveyorExports",
                "ConveyorImports",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorSchedules",
                "ConveyorWorker",
            ],
            path: "jobs",
            resources: [
                .embedInCode("datasets"), .embedInCode("exports"), .embedInCode("schedules"), .embedInCode("caches"), .embedInCode("migrations"),
            ]
        ),

        .executableTarget(
            name: "conveyor",
            dependencies: [
                "ConveyorAPI",
                "ConveyorCore",
                "ConveyorExports",
                "ConveyorExternal",
                "ConveyorImports",
                "ConveyorJobs",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorSchedules",
                "ConveyorWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "conveyor-bench",
            dependencies: [
                "ConveyorJobs",
                "ConveyorQueue",
                "ConveyorRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "ops/bench/Driver"
        ),

        .target(
            name: "ConveyorTestSupport",
            dependencies: [
                "ConveyorQueue",
                "ConveyorRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/ConveyorTestSupport"
        ),
        .testTarget(name: "ConveyorCoreTests", dependencies: ["ConveyorCore"]),
        .testTarget(
            name: "ConveyorRedisTests",
            dependencies: ["ConveyorRedis", "ConveyorTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ConveyorPostgresTests",
            dependencies: ["ConveyorPostgres", "ConveyorTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConveyorQueueTests", dependencies: ["ConveyorCore", "ConveyorQueue", "ConveyorRedis", "ConveyorTestSupport"]),
        .testTarget(
            name: "ConveyorExternalTests",
            dependencies: [
                "ConveyorCore",
                "ConveyorExternal",
                "ConveyorRedis",
                "ConveyorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConveyorWorkerTests",
            dependencies: [
                "ConveyorCore",
                "ConveyorJobs",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                "ConveyorWorker",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConveyorImportsTests",
            dependencies: [
                "ConveyorCore",
                "ConveyorExternal",
                "ConveyorImports",
                "ConveyorJobs",
                "ConveyorOutbox",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                "ConveyorWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ConveyorExportsTests",
            dependencies: [
                "ConveyorCore",
                "ConveyorExports",
                "ConveyorJobs",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                "ConveyorWorker",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConveyorSchedulesTests",
            dependencies: [
                "ConveyorCore", "ConveyorJobs", "ConveyorQueue", "ConveyorRedis", "ConveyorSchedules", "ConveyorTestSupport", "ConveyorWorker",
            ]
        ),
        .testTarget(
            name: "ConveyorCachesTests",
            dependencies: [
                "ConveyorCaches",
                "ConveyorCore",
                "ConveyorExternal",
                "ConveyorJobs",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                "ConveyorWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConveyorAPITests",
            dependencies: [
                "ConveyorAPI",
                "ConveyorCore",
                "ConveyorExports",
                "ConveyorExternal",
                "ConveyorImports",
                "ConveyorJobs",
                "ConveyorPostgres",
                "ConveyorQueue",
                "ConveyorRedis",
                "ConveyorTestSupport",
                "ConveyorWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
