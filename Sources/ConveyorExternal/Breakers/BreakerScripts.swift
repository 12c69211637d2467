import ConveyorRedis

/// The Lua scripts that change a breaker, each atomic. Their sources are in `Scripts/`,
/// each prefixed with `prelude.lua`.
enum BreakerScripts {
    static let permit = script(PackageResources.permit_lua)
    static let record = script(PackageResources.record_lua)

    private static func script(_ body: [UInt8]) -> RedisScript {
        RedisScript(String(decoding: PackageResources.prelude_lua + [UInt8(ascii: "\n")] + body, as: UTF8.self))
    }
}
