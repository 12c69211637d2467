// The hiredis client; see RedisClient.swift.
