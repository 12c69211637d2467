-- Enqueues a batch of jobs, all or none: a batch that would take the queue past its
-- length limit is refused whole. A job whose id exists already is left as it is, so a
-- producer may resend a batch whose reply it never saw.
--
-- KEYS: ready, scheduled
-- ARGV: prefix, max_length (0: no limit), then per job:
--       id, kind, payload, max_attempts, timeout_ms, run_at_us (0: now), request_id, tenant
-- Returns {1, created, now} or {0, depth} when the queue is full.
local prefix, max_length = ARGV[1], tonumber(ARGV[2])
local fields = 8
local count = (#ARGV - 2) / fields
local depth = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if max_length > 0 and depth + count > max_length then
  return {0, depth}
end
local now = now_us()
local created = 0
for i = 3, #ARGV, fields do
  local id = ARGV[i]
  local key = job_key(prefix, id)
  if redis.call('EXISTS', key) == 0 then
    local run_at = tonumber(ARGV[i + 5])
    redis.call('HSET', key,
      'kind', ARGV[i + 1], 'payload', ARGV[i + 2],
      'max_attempts', ARGV[i + 3], 'timeout_ms', ARGV[i + 4],
      'request_id', ARGV[i + 6], 'tenant', ARGV[i + 7],
      'attempt', 0, 'lease', 0, 'created_at', now)
    if run_at > now then
      redis.call('HSET', key, 'state', 'scheduled', 'run_at', run_at)
      redis.call('ZADD', KEYS[2], run_at, id)
    else
      redis.call('HSET', key, 'state', 'queued', 'enqueued_at', now)
      redis.call('LPUSH', KEYS[1], id)
    end
    created = created + 1
  end
end
return {1, created, now}
