-- Opens a batch whose members are all enqueued: from now on, its members' outcomes may
-- finish it (see batch_settle), which may already be due. It is kept until it finishes.
--
-- KEYS: record, actions
-- ARGV: prefix (the batch's), retention_us
-- Returns the batch's pending actions, or {} when it is not opening (opened before, or
-- missing).
local prefix = ARGV[1]
if redis.call('HGET', KEYS[1], 'state') ~= 'opening' then
  return {}
end
redis.call('HSET', KEYS[1], 'state', 'open')
for _, name in ipairs(batch_keys) do
  redis.call('PERSIST', prefix .. name)
end
batch_settle(prefix, now_us(), tonumber(ARGV[2]))
return redis.call('HKEYS', KEYS[2])
