-- Takes up to `count` jobs from the head of the queue and leases them to a worker:
-- each attempt gets a new fencing token (the job's lease counter) and joins the
-- active set with its lease deadline.
--
-- KEYS: ready, active, paused
-- ARGV: prefix, count (1 to 1,000), lease_us, worker
-- Returns {now, jobs, paused}; jobs holds five values per job:
--   id, token, attempt, spec, enqueued_at
local prefix = ARGV[1]
local now = now_us()
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {now, {}, 1}
end
local ids = redis.call('RPOP', KEYS[1], ARGV[2])
if not ids then
  return {now, {}, 0}
end
local now_text = text(now)
local deadline = now + tonumber(ARGV[3])
local jobs, members = {}, {}
for _, id in ipairs(ids) do
  local key = job_key(prefix, id)
  local f = redis.call('HMGET', key, 'state', 'lease', 'attempt', 'spec', 'enqueued_at')
  -- an id whose job was cancelled or has expired is dropped here
  if f[1] == 'queued' then
    local token = text((tonumber(f[2]) or 0) + 1)
    local attempt = (tonumber(f[3]) or 0) + 1
    redis.call('HSET', key, 'state', 'running', 'lease', token, 'attempt', attempt, 'started_at', now_text, 'worker', ARGV[4])
    members[#members + 1] = deadline
    members[#members + 1] = attempt_member(id, token)
    local n = #jobs
    jobs[n + 1], jobs[n + 2], jobs[n + 3], jobs[n + 4], jobs[n + 5] = id, token, attempt, f[4], f[5] or now_text
  end
end
call_in_slices('ZADD', KEYS[2], members)
return {now, jobs, 0}
