import ArgumentParser
import ConveyorAPI
import ConveyorQueue

/// Where the API listens and what it accepts.
struct APIOptions: ParsableArguments {
    @Option(help: "Address to listen on (env CONVEYOR_API_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free one (env CONVEYOR_API_PORT; default 8080).")
    var port: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body, in bytes or with KiB, MiB or GiB (env CONVEYOR_MAX_BODY_BYTES; default 512MiB).")
    var maxBodyBytes: String?

    @Option(name: .customLong("default-tenant"), help: "Tenant of the jobs the API creates, until API keys name one (env CONVEYOR_DEFAULT_TENANT; default default).")
    var defaultTenant: String?

    @Option(name: .customLong("import-queue"), help: "Queue of the chunk jobs of imports; workers must take jobs from it (env CONVEYOR_IMPORT_QUEUE; default imports).")
    var importQueueName: String?

    func importQueue() throws -> QueueName {
        try Setting<QueueName>(flag: "--import-queue", variable: "CONVEYOR_IMPORT_QUEUE").resolve(importQueueName, default: "imports") {
            try QueueName($0)
        }
    }

    func configuration() throws -> APIConfiguration {
        var configuration = APIConfiguration()
        configuration.host = try Setting<String>(flag: "--host", variable: "CONVEYOR_API_HOST").resolve(host, default: "127.0.0.1") { host in
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                throw SettingError(description: "'\(host)' is not a host name or IP address")
            }
            return host
        }
        configuration.port = try Setting<Int>(flag: "--port", variable: "CONVEYOR_API_PORT")
            .resolve(port, default: "8080") { try parseCount($0, in: 0...65_535) }
        configuration.maxBodyBytes = try Setting<Int>(flag: "--max-body-bytes", variable: "CONVEYOR_MAX_BODY_BYTES")
            .resolve(maxBodyBytes, default: "512MiB", parse: Self.parseBytes)
        configuration.defaultTenant = try Setting<String>(flag: "--default-tenant", variable: "CONVEYOR_DEFAULT_TENANT")
            .resolve(defaultTenant, default: "default") { tenant in
                let allowed = tenant.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "_-.".utf8.contains(byte)
                }
                guard (1...64).contains(tenant.utf8.count), allowed else {
                    throw SettingError(description: "'\(tenant)' is not a tenant name: use 1 to 64 letters, digits, '_', '-' and '.'")
                }
                return tenant
            }
        return configuration
    }

    /// Bytes as a whole number, optionally followed by KiB, MiB or GiB; from 1 KiB to 64 GiB.
    static func parseBytes(_ text: String) throws -> Int {
        let units: [(suffix: String, factor: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Int(number), value > 0, value <= (64 << 30) / factor, value * factor >= 1 << 10 else { break }
            return value * factor
        }
        throw SettingError(description: "'\(text)' is not a size from 1KiB to 64GiB: write bytes, or a whole number with KiB, MiB or GiB, e.g. 512MiB")
    }
}
