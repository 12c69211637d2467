import ConveyorRedis

/// The Lua scripts that make every state change of a job, each atomic. Their sources
/// are the `.lua` files beside this one, each prefixed with `prelude.lua`.
enum QueueScripts {
    static let enqueue = script(PackageResources.enqueue_lua)
    static let reserve = script(PackageResources.reserve_lua)
    static let complete = script(PackageResources.complete_lua)
    static let fail = script(PackageResources.fail_lua)
    static let handBack = script(PackageResources.hand_back_lua)
    static let heartbeat = script(PackageResources.heartbeat_lua)
    static let promote = script(PackageResources.promote_lua)
    static let recover = script(PackageResources.recover_lua)
    static let cancel = script(PackageResources.cancel_lua)
    static let retryDead = script(PackageResources.retry_dead_lua)
    static let discardDead = script(PackageResources.discard_dead_lua)
    static let runNow = script(PackageResources.run_now_lua)
    static let `defer` = script(PackageResources.defer_lua)
    static let expire = script(PackageResources.expire_lua)
    static let limitSlot = script(PackageResources.limit_slot_lua)
    static let limitRate = script(PackageResources.limit_rate_lua)
    static let limitRelease = script(PackageResources.limit_release_lua)
    static let batchCreate = script(PackageResources.batch_create_lua)
    static let batchOpen = script(PackageResources.batch_open_lua)
    static let batchRecord = script(PackageResources.batch_record_lua)
    static let batchEventsAck = script(PackageResources.batch_events_ack_lua)
    static let progress = script(PackageResources.progress_lua)

    private static func script(_ body: [UInt8]) -> RedisScript {
        RedisScript(String(decoding: PackageResources.prelude_lua + [UInt8(ascii: "\n")] + body, as: UTF8.self))
    }
}
