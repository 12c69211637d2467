import ConveyorRedis

/// The Lua scripts of the cache store, each one atomic: the `.lua` files beside this one.
enum CacheScripts {
    static let request = RedisScript(String(decoding: PackageResources.request_lua, as: UTF8.self))
    static let write = RedisScript(String(decoding: PackageResources.write_lua, as: UTF8.self))
    static let compareAndDelete = RedisScript(String(decoding: PackageResources.compare_and_delete_lua, as: UTF8.self))
}
