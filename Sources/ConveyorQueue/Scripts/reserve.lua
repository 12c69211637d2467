-- Takes up to `count` jobs from the head of the queue and leases them to a worker:
-- each gets a new fencing token (its lease counter) and a lease deadline in `active`.
--
-- KEYS: ready, active, paused
-- ARGV: prefix, count, lease_us, worker
-- Returns {now, jobs, paused}; each job is
--   {id, token, attempt, kind, payload, max_attempts, timeout_ms, enqueued_at, request_id, tenant}
local prefix = ARGV[1]
local now = now_us()
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {now, {}, 1}
end
local deadline = now + tonumber(ARGV[3])
local jobs = {}
for _ = 1, tonumber(ARGV[2]) do
  local id = redis.call('RPOP', KEYS[1])
  if not id then break end
  local key = job_key(prefix, id)
  local f = redis.call('HMGET', key, 'state', 'lease', 'attempt', 'kind', 'payload',
    'max_attempts', 'timeout_ms', 'enqueued_at', 'request_id', 'tenant')
  -- an id whose job was cancelled or has expired is dropped here
  if f[1] == 'queued' then
    local token = tonumber(f[2]) + 1
    local attempt = tonumber(f[3]) + 1
    redis.call('HSET', key, 'state', 'running', 'lease', token, 'attempt', attempt,
      'started_at', now, 'worker', ARGV[4])
    redis.call('ZADD', KEYS[2], deadline, id)
    jobs[#jobs + 1] = {id, tostring(token), attempt, f[4], f[5], f[6], f[7], f[8], f[9], f[10]}
  end
end
return {now, jobs, 0}
